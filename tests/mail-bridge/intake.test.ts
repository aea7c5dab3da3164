// The intake pipeline on both databases: matching by every route, exactly-once recording, the
// acknowledgement and its loop protection, bounces, size refusals, the rejected-requests rule.
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { attachments, checkpoints, mailMessages, outbox, rawMails, tickets } from '../../src/db/schema.js';
import { ingestMail } from '../../src/mail/intake.js';
import { NewTicketBatcher } from '../../src/mail/new-ticket-batcher.js';
import { writeNewTicketsFromMail, type NewTicketFromMail } from '../../src/mail/new-ticket-statement.js';
import { TicketNumberBlocks } from '../../src/mail/ticket-numbers.js';
import { allocateTicketNumber } from '../../src/tickets/create-ticket.js';
import { mergeTicket } from '../../src/tickets/edit-usecases.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { closeTicket } from '../../src/tickets/lifecycle-usecases.js';
import { describeOnDatabases } from '../support/databases.js';
import { autoMailsTo, buildMail, contactByEmail, historyOf, intake, messageIdOf, MAIL_TEST_CONFIG, pretendSent, settingsOf, ticketByNumber, ticketCount } from './support.js';

describeOnDatabases(
  'mail intake',
  (h) => {
    const open = async (from = 'Carla Customer <carla@customer.example>', extra: Parameters<typeof buildMail>[0] = {}) => {
      const raw = buildMail({ from, ...extra });
      const r = await intake(h(), settingsOf(h()), raw, { recipients: ['support@example.org'] });
      expect(r.outcome).toBe('created');
      return { raw, number: r.ticketNumber!, id: (await ticketByNumber(h().database.db, r.ticketNumber!)).id };
    };

    it('a new mail opens a ticket with the visible text, the raw mail and an acknowledgement', async () => {
      const { db } = h().database;
      const raw = buildMail({ from: 'Dora <dora@customer.example>', body: 'The printer is broken.\r\n\r\n-- \r\nDora, 2nd floor' });
      const r = await intake(h(), settingsOf(h()), raw, { recipients: ['support@example.org'] });
      expect(r).toMatchObject({ outcome: 'created', flagged: false });
      const t = await ticketByNumber(db, r.ticketNumber!);
      expect(t.departmentId).toBe('support');
      const history = await historyOf(db, r.ticketNumber!);
      const customer = history.find((m) => m.kind === 'customer')!;
      expect(customer.text).toBe('The printer is broken.');
      const [stored] = await db.select().from(rawMails).where(eq(rawMails.messageId, customer.id));
      expect(stored!.raw.equals(raw)).toBe(true);
      const [ack] = await autoMailsTo(db, 'dora@customer.example');
      expect(ack!.payload).toMatchObject({ purpose: 'acknowledgement', from: { address: 'support@example.org' }, inReplyTo: messageIdOf(raw) });
      expect(ack!.payload.subject).toContain(`[#${r.ticketNumber}]`);
      // A signed, expiring status link (the same the status page sends), never the bare secret.
      expect(ack!.payload.text).toMatch(/https:\/\/help\.example\.org\/t\/[\w.~-]{40,}/);
      expect(ack!.payload.text).not.toContain(`/t/${t.secret}`);
    });

    it('records the same mail delivered twice once', async () => {
      const { db } = h().database;
      const raw = buildMail({ from: 'eve@customer.example' });
      const first = await intake(h(), settingsOf(h()), raw);
      const again = await intake(h(), settingsOf(h()), raw, { source: 'imap' });
      expect(again.outcome).toBe('duplicate');
      expect((await historyOf(db, first.ticketNumber!)).filter((m) => m.kind === 'customer')).toHaveLength(1);
      // Same Message-ID with other bytes (another route) is a different delivery and is kept.
      const changed = Buffer.concat([raw, Buffer.from('P.S. resent\r\n')]);
      expect((await intake(h(), settingsOf(h()), changed)).outcome).toBe('appended');
    });

    it('records two copies of a new mail arriving at the same moment once, with one acknowledgement', async () => {
      const { db } = h().database;
      const raw = buildMail({ from: 'fritz@customer.example', subject: 'Sent by two relays' });
      const results = await Promise.all([intake(h(), settingsOf(h()), raw), intake(h(), settingsOf(h()), raw, { source: 'imap' })]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['created', 'duplicate']);
      const number = results.find((r) => r.outcome === 'created')!.ticketNumber!;
      expect((await db.select().from(tickets).where(eq(tickets.subject, 'Sent by two relays'))).map((t) => t.number)).toEqual([number]);
      expect(await autoMailsTo(db, 'fritz@customer.example')).toHaveLength(1);
      const history = await historyOf(db, number);
      expect(history.map((m) => m.kind)).toEqual(['event', 'customer']);
    });

    it('threads replies by In-Reply-To, by References alone, and with an edited subject', async () => {
      const { db } = h().database;
      const t = await open();
      await pretendSent(db, t.id, 'ack-1@example.org');
      const byInReplyTo = await intake(h(), settingsOf(h()), buildMail({ subject: 'Re: Printer', inReplyTo: 'ack-1@example.org', body: 'Still broken.' }));
      const byReferences = await intake(h(), settingsOf(h()), buildMail({ subject: 'Printer', references: `<unknown@elsewhere> <${messageIdOf(t.raw)}>` }));
      const edited = await intake(h(), settingsOf(h()), buildMail({ subject: 'Completely new words', inReplyTo: messageIdOf(t.raw) }));
      for (const r of [byInReplyTo, byReferences, edited]) expect(r).toMatchObject({ outcome: 'appended', ticketNumber: t.number, flagged: false });
      expect(await autoMailsTo(db, 'carla@customer.example')).toHaveLength(1); // only the first mail was acknowledged
    });

    it('a reply threaded by its headers alone leaves no trace of a new ticket, and its checkpoint is written with it', async () => {
      const { db } = h().database;
      const t = await open('Gus <gus@customer.example>');
      const before = await ticketCount(db);
      const reply = buildMail({ from: 'Gus <gus@customer.example>', subject: 'Re: Printer', inReplyTo: messageIdOf(t.raw), body: 'Now it smokes.' });
      const r = await intake(h(), settingsOf(h()), reply, { source: 'imap', departmentId: 'support', checkpoint: { key: 'imap:test-threaded', value: { uidValidity: 1, lastUid: 7 } } });
      expect(r).toMatchObject({ outcome: 'appended', ticketNumber: t.number });
      expect(await ticketCount(db)).toBe(before);
      expect(await autoMailsTo(db, 'gus@customer.example')).toHaveLength(1);
      expect((await historyOf(db, t.number)).map((m) => m.kind)).toEqual(['event', 'customer', 'customer']);
      const ledger = await db.select().from(mailMessages).where(eq(mailMessages.messageId, messageIdOf(reply)));
      expect(ledger.map((l) => [l.outcome, l.ticketId])).toEqual([['appended', t.id]]);
      const [cp] = await db.select().from(checkpoints).where(eq(checkpoints.key, 'imap:test-threaded'));
      expect(cp!.value).toEqual({ uidValidity: 1, lastUid: 7 });
    });

    it('matches an Outlook-style reply with a rewritten Message-ID by the subject token, and by plus-address', async () => {
      const t = await open();
      const outlook = await intake(h(), settingsOf(h()), buildMail({ subject: `AW: Printer [#${t.number}]`, inReplyTo: 'rewritten.by.exchange@outlook.example' }));
      expect(outlook).toMatchObject({ outcome: 'appended', ticketNumber: t.number });
      const plus = await intake(h(), settingsOf(h()), buildMail({ to: `support+${t.number}@example.org`, subject: 'more' }), { recipients: [`support+${t.number}@example.org`] });
      expect(plus).toMatchObject({ outcome: 'appended', ticketNumber: t.number });
    });

    it('does not glue strangers answering a newsletter into one ticket', async () => {
      const { db } = h().database;
      const news = buildMail({ from: 'News <news@shop.example>', subject: 'Offers of the week', headers: { Precedence: 'bulk', 'List-Id': '<offers.shop.example>' } });
      const n = await intake(h(), settingsOf(h()), news);
      expect(n.outcome).toBe('created');
      expect(n.autoMailSkipped).toMatch(/Precedence: bulk/);
      const a = await intake(h(), settingsOf(h()), buildMail({ from: 'anna@one.example', subject: 'Re: Offers of the week', inReplyTo: messageIdOf(news) }));
      const b = await intake(h(), settingsOf(h()), buildMail({ from: 'ben@two.example', subject: 'Re: Offers of the week', inReplyTo: messageIdOf(news) }));
      expect(a.outcome).toBe('created');
      expect(b.outcome).toBe('created');
      expect(new Set([n.ticketNumber, a.ticketNumber, b.ticketNumber]).size).toBe(3);
      expect(await autoMailsTo(db, 'news@shop.example')).toHaveLength(0);
    });

    it('stores a reply from a stranger as a flagged note, from an agent as the agent’s note', async () => {
      const t = await open();
      const stranger = await intake(h(), settingsOf(h()), buildMail({ from: 'mallory@evil.example', inReplyTo: messageIdOf(t.raw) }));
      expect(stranger).toMatchObject({ outcome: 'appended', ticketNumber: t.number, flagged: true });
      const agent = await intake(h(), settingsOf(h()), buildMail({ from: 'Alice <alice@example.org>', inReplyTo: messageIdOf(t.raw), body: 'I called her.' }));
      expect(agent.flagged).toBe(false);
      const history = await historyOf(h().database.db, t.number);
      expect(history.find((m) => m.id === stranger.messageRowId)).toMatchObject({ kind: 'note', flagged: true });
      expect(history.find((m) => m.id === agent.messageRowId)).toMatchObject({ kind: 'note', flagged: false, text: 'I called her.' });
    });

    it('reopens a closed ticket, and forwards mail for a merged ticket to the ticket it went into', async () => {
      const { db } = h().database;
      const alice = await actorByEmail(db, 'alice@example.org');
      const closed = await open('frank@customer.example');
      await closeTicket(h().tickets, alice, closed.number);
      await intake(h(), settingsOf(h()), buildMail({ from: 'frank@customer.example', inReplyTo: messageIdOf(closed.raw) }));
      expect((await ticketByNumber(db, closed.number)).status).toBe('open');

      const a = await open('gina@customer.example');
      const b = await open('gina@customer.example');
      await mergeTicket(h().tickets, alice, a.number, b.number);
      const r = await intake(h(), settingsOf(h()), buildMail({ from: 'gina@customer.example', inReplyTo: messageIdOf(a.raw) }));
      expect(r).toMatchObject({ outcome: 'appended', ticketNumber: b.number });
    });

    it('creates a ticket for an auto-submitted mail but sends it no acknowledgement, and limits acknowledgements per hour', async () => {
      const { db } = h().database;
      const auto = await intake(h(), settingsOf(h()), buildMail({ from: 'bot@robots.example', headers: { 'Auto-Submitted': 'auto-replied' } }));
      expect(auto.outcome).toBe('created');
      expect(auto.autoMailSkipped).toMatch(/Auto-Submitted/);
      expect(await autoMailsTo(db, 'bot@robots.example')).toHaveLength(0);
      for (let i = 0; i < 5; i++) await intake(h(), settingsOf(h()), buildMail({ from: 'chatty@customer.example', subject: `Question ${i}` }));
      expect(await autoMailsTo(db, 'chatty@customer.example')).toHaveLength(3); // autoReplyLimitPerHour: 3
    });

    it('attaches a bounce of our mail to its ticket as a flagged note and flags the contact, never a new ticket', async () => {
      const { db } = h().database;
      const t = await open('Old Customer <old.customer@example.net>');
      await pretendSent(db, t.id, 'reply-77@example.org');
      const before = await ticketCount(db);
      const bounce = dsn('old.customer@example.net', 'reply-77@example.org');
      const r = await intake(h(), settingsOf(h()), bounce);
      expect(r).toMatchObject({ outcome: 'bounce', ticketNumber: t.number, flagged: true });
      expect(await ticketCount(db)).toBe(before);
      expect((await contactByEmail(db, 'old.customer@example.net'))!.flagged).toBe(true);
      const note = (await historyOf(db, t.number)).find((m) => m.id === r.messageRowId)!;
      expect(note).toMatchObject({ kind: 'note', flagged: true });
      expect(note.text).toMatch(/could not be delivered \(5\.1\.1\)/);
      expect(await autoMailsTo(db, 'mailer-daemon@mx.example.net')).toHaveLength(0);
      // A bounce for a mail we never sent is kept, but opens nothing.
      const stray = await intake(h(), settingsOf(h()), dsn('nobody@example.net', 'never-sent@elsewhere.example'));
      expect(stray).toMatchObject({ outcome: 'unmatched', ticketNumber: null });
      expect(await ticketCount(db)).toBe(before);
    });

    it('refuses an over-size mail politely, with an event on the ticket it belongs to', async () => {
      const { db } = h().database;
      const t = await open('hugo@customer.example');
      const big = buildMail({ from: 'hugo@customer.example', subject: `Scans [#${t.number}]`, body: 'x'.repeat(6000) });
      const before = await ticketCount(db);
      const r = await intake(h(), settingsOf(h()), big);
      expect(r).toMatchObject({ outcome: 'refused', ticketNumber: t.number });
      const refusal = (await autoMailsTo(db, 'hugo@customer.example')).find((m) => m.payload.purpose === 'too_large')!;
      expect(refusal.payload.text).toMatch(/it is 7 KB, and we accept at most 4 KB per message/);
      const event = (await historyOf(db, t.number)).find((m) => m.kind === 'event' && m.data.action === 'mail_refused');
      expect(event?.text).toBe('A mail from hugo@customer.example was refused: 7 KB is over the limit of 4 KB; the sender was told why.');
      const unmatched = await intake(h(), settingsOf(h()), buildMail({ from: 'ida@customer.example', body: 'y'.repeat(6000) }));
      expect(unmatched.outcome).toBe('refused');
      expect(await ticketCount(db)).toBe(before);
      expect(await autoMailsTo(db, 'ida@customer.example')).toHaveLength(1);
    });

    it('files mail to an internal address as a closed, unannounced rejected request with an answer; allow-listed senders pass', async () => {
      const { db } = h().database;
      const r = await intake(h(), settingsOf(h()), buildMail({ from: 'parcel@shipping.example', to: 'berlin@example.org', subject: 'Your parcel' }), { recipients: ['berlin@example.org'] });
      expect(r.outcome).toBe('rejected');
      const t = await ticketByNumber(db, r.ticketNumber!);
      expect(t).toMatchObject({ departmentId: 'rejected', status: 'closed' });
      const announced = await db.select().from(outbox).where(eq(outbox.ticketId, t.id));
      expect(announced.filter((o) => o.sink === 'chat' && o.kind === 'thread.open')).toHaveLength(0);
      const [answer] = await autoMailsTo(db, 'parcel@shipping.example');
      expect(answer!.payload).toMatchObject({ purpose: 'rejected', from: { address: 'berlin@example.org' } });
      expect(answer!.payload.text).toContain('Please use the contact form.');

      for (const from of ['landlord@partner.example', 'someone@friends.example']) {
        const ok = await intake(h(), settingsOf(h()), buildMail({ from, to: 'berlin@example.org' }), { recipients: ['berlin@example.org'] });
        expect(ok.outcome).toBe('created');
        expect((await ticketByNumber(db, ok.ticketNumber!)).departmentId).toBe('berlin');
      }
      // A reply to an existing ticket through the internal address is not a new request.
      const existing = await open('june@customer.example');
      const reply = await intake(h(), settingsOf(h()), buildMail({ from: 'june@customer.example', to: 'berlin@example.org', inReplyTo: messageIdOf(existing.raw) }), { recipients: ['berlin@example.org'] });
      expect(reply).toMatchObject({ outcome: 'appended', ticketNumber: existing.number });
    });

    it('writes mails arriving together in shared statements, each exactly as if it had come alone', async () => {
      const { db } = h().database;
      // The first statement waits until all 13 mails are at the batcher, so the rest must share.
      const sizes: number[] = [];
      let arrived = 0;
      let allArrived = () => {};
      const gate = new Promise<void>((resolve) => (allArrived = resolve));
      const writer = async (inputs: readonly NewTicketFromMail[]) => (sizes.push(inputs.length), await gate, writeNewTicketsFromMail(db, inputs));
      const batcher = new NewTicketBatcher(db, { writer });
      const newTickets = { write: (input: NewTicketFromMail) => (++arrived === 13 && allArrived(), batcher.write(input)) };
      const deps = { tickets: h().tickets, settings: settingsOf(h()), autoMail: true, numbers: new TicketNumberBlocks(h().tickets), newTickets };
      const arrive = (raw: Buffer) => ingestMail(deps, raw, { source: 'smtp', recipients: ['support@example.org'] });
      const strangers = Array.from({ length: 6 }, (_, i) => buildMail({ from: `batch${i}@customer.example`, subject: `Batch ${i}` }));
      const eager = Array.from({ length: 5 }, (_, i) => buildMail({ from: 'eager@customer.example', subject: `Eager ${i}` }));
      const twice = buildMail({ from: 'twice@customer.example', subject: 'Sent twice' });
      const results = await Promise.all([...strangers, ...eager, twice, twice].map(arrive));
      expect(Math.max(...sizes)).toBeGreaterThan(1);
      expect(results.map((r) => r.outcome).sort()).toEqual([...Array(12).fill('created'), 'duplicate'].sort());
      const numbers = results.filter((r) => r.outcome === 'created').map((r) => r.ticketNumber);
      expect(new Set(numbers).size).toBe(12);
      for (let i = 0; i < 6; i++) expect(await autoMailsTo(db, `batch${i}@customer.example`)).toHaveLength(1);
      // The hourly allowance (3 in this config) holds for one sender's mails arriving together.
      expect(await autoMailsTo(db, 'eager@customer.example')).toHaveLength(3);
      expect(await autoMailsTo(db, 'twice@customer.example')).toHaveLength(1);
      for (const [i, r] of results.slice(0, 6).entries()) {
        const history = await historyOf(db, r.ticketNumber!);
        expect(history.map((m) => m.kind)).toEqual(['event', 'customer']);
        expect((await ticketByNumber(db, r.ticketNumber!)).subject).toBe(`Batch ${i}`);
        const [stored] = await db.select().from(rawMails).where(eq(rawMails.messageId, history[1]!.id));
        expect(stored!.raw.equals(strangers[i]!)).toBe(true);
      }
    });

    it('takes ticket numbers in blocks without ever handing one out twice', async () => {
      const blocks = new TicketNumberBlocks(h().tickets, 16);
      const other = new TicketNumberBlocks(h().tickets, 16); // a second replica
      const now = new Date();
      const taken = await Promise.all([...Array.from({ length: 40 }, () => blocks.take(now)), ...Array.from({ length: 20 }, () => other.take(now))]);
      taken.push(await allocateTicketNumber(h().tickets, now));
      expect(new Set(taken).size).toBe(61);
      const ours = taken.slice(0, 40); // one replica's numbers rise in the order they were taken
      expect(ours).toEqual([...ours].sort());
      const tomorrow = await blocks.take(new Date(now.getTime() + 86_400_000));
      expect(tomorrow.slice(0, 8)).not.toBe(taken[0]!.slice(0, 8));
    });

    it('stores attachments and sends nothing for imports', async () => {
      const { db } = h().database;
      const raw = Buffer.from(
        [
          'From: kim@customer.example',
          'To: support@example.org',
          'Subject: Photo',
          'Message-ID: <photo-1@customer.example>',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain',
          '',
          'See photo.',
          '--b',
          'Content-Type: image/png; name="p.png"',
          'Content-Disposition: attachment; filename="p.png"',
          'Content-Transfer-Encoding: base64',
          '',
          Buffer.from('PNGDATA').toString('base64'),
          '--b--',
          '',
        ].join('\r\n'),
      );
      const r = await intake(h(), settingsOf(h()), raw, { source: 'import' }, false);
      const files = await db.select().from(attachments).where(eq(attachments.messageId, r.messageRowId!));
      expect(files.map((f) => [f.filename, f.content?.toString()])).toEqual([['p.png', 'PNGDATA']]);
      expect(await autoMailsTo(db, 'kim@customer.example')).toHaveLength(0);
      const [t] = await db.select().from(tickets).where(eq(tickets.number, r.ticketNumber!));
      expect(t!.departmentId).toBe('support');
    });
  },
  { config: MAIL_TEST_CONFIG },
);

/** A minimal RFC 3464 report: multipart/report with a delivery-status part and our returned headers. */
function dsn(recipient: string, originalMessageId: string): Buffer {
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.example.net>',
      'To: support@example.org',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <dsn-${originalMessageId}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
      '',
      '--r',
      'Content-Type: text/plain',
      '',
      `I could not deliver your mail to <${recipient}>.`,
      '--r',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.net',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
      '',
      '--r',
      'Content-Type: text/rfc822-headers',
      '',
      'From: support@example.org',
      `To: ${recipient}`,
      'Subject: Re: Printer',
      `Message-ID: <${originalMessageId}>`,
      '',
      '--r--',
      '',
    ].join('\r\n'),
  );
}
