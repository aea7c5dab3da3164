// The mail sink through the real outbox worker to a real SMTP server: threading headers, CC,
// attachments, edits and cancellation in the undo window, the stored Message-ID reused after an
// outage, and local capture when there is no SMTP server.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capturedMails, mailMessages, outbox } from '../../src/db/schema.js';
import { MailSink } from '../../src/mail/mail-sink.js';
import { captureTransport, smtpTransport } from '../../src/mail/transport.js';
import { OutboxWorker } from '../../src/outbox/worker.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { ticketContext } from '../../src/tickets/context.js';
import { changeCollaborators } from '../../src/tickets/edit-usecases.js';
import { addReply } from '../../src/tickets/message-usecases.js';
import { cancelChatMessage, editChatMessage } from '../../src/tickets/pending-replies.js';
import { describeOnDatabases } from '../support/databases.js';
import { startRecordingSmtp, type RecordingSmtp } from './recording-smtp.js';
import { buildMail, intake, messageIdOf, MAIL_TEST_CONFIG, settingsOf } from './support.js';

const quiet = { info() {}, warn() {}, error() {} };

describeOnDatabases(
  'mail out',
  (h) => {
    let smtp: RecordingSmtp;
    beforeAll(async () => {
      smtp = await startRecordingSmtp();
    });
    afterAll(async () => {
      await smtp.close();
    });

    const worker = () => new OutboxWorker(h().database.db, { logger: quiet }).register('mail', new MailSink(h().database.db, settingsOf(h()), smtpTransport(smtp.url))).register('chat', { deliver: async () => {} });
    /** Runs the worker until nothing is ready, making every pending row ready first (skips backoff waits). */
    const drain = async (w = worker()) => {
      await h().database.db.execute(sql`update outbox set next_attempt_at = now() where status = 'pending'`);
      await w.drain();
    };

    it('mails a reply with our Message-ID, In-Reply-To, References, [#n], CC and attachments', async () => {
      const { db } = h().database;
      const first = buildMail({ from: 'Carla <carla@customer.example>', subject: 'Printer jammed' });
      const t = await intake(h(), settingsOf(h()), first, { recipients: ['support@example.org'] });
      await drain();
      const ack = await smtp.waitFor((m) => m.to.includes('carla@customer.example') && m.header('auto-submitted') === 'auto-replied');
      expect(ack.parsed.inReplyTo).toEqual([messageIdOf(first)]);
      expect(ack.from).toBe(''); // MAIL FROM:<>, RFC 3834 §3.3
      const second = buildMail({ from: 'carla@customer.example', subject: 'Re: Printer jammed', inReplyTo: ack.parsed.messageId! });
      await intake(h(), settingsOf(h()), second);

      const alice = await actorByEmail(db, 'alice@example.org');
      await changeCollaborators(h().tickets, alice, t.ticketNumber!, 'add', 'boss@customer.example');
      const r = await addReply(h().tickets, alice, t.ticketNumber!, {
        text: 'We replaced the drum.',
        source: 'cli',
        attachments: [{ filename: 'invoice.txt', contentType: 'text/plain', content: Buffer.from('42 EUR') }],
      });
      await drain();
      const reply = await smtp.waitFor((m) => m.parsed.text.includes('We replaced the drum.'));
      expect(reply.from).toBe('support@example.org');
      expect(reply.to.sort()).toEqual(['boss@customer.example', 'carla@customer.example']);
      expect(reply.parsed.cc.map((a) => a.address)).toEqual(['boss@customer.example']);
      expect(reply.parsed.subject).toBe(`Re: Printer jammed [#${t.ticketNumber}]`);
      expect(reply.parsed.inReplyTo).toEqual([messageIdOf(second)]);
      expect(reply.parsed.references).toEqual([messageIdOf(first), ack.parsed.messageId, messageIdOf(second)]);
      expect(reply.parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['invoice.txt', '42 EUR']]);
      const [stored] = await db.select().from(mailMessages).where(eq(mailMessages.messageRowId, r.messageId));
      expect(stored).toMatchObject({ direction: 'out', messageId: reply.parsed.messageId });
      expect(reply.header('auto-submitted')).toBeUndefined();
    });

    it('sends the text as edited in the undo window, and nothing for a cancelled reply', async () => {
      const { db } = h().database;
      const chatCtx = ticketContext(db, { ...h().tickets.settings, undoSeconds: 30 });
      const t = await intake(h(), settingsOf(h()), buildMail({ from: 'dan@customer.example' }));
      const alice = await actorByEmail(db, 'alice@example.org');
      const edited = await addReply(chatCtx, alice, t.ticketNumber!, { text: 'Frist draft', source: 'slack' });
      await editChatMessage(chatCtx, alice, edited.messageId, 'First draft, corrected');
      const cancelled = await addReply(chatCtx, alice, t.ticketNumber!, { text: 'Oops, wrong ticket', source: 'slack' });
      await cancelChatMessage(chatCtx, alice, cancelled.messageId);
      await drain();
      await smtp.waitFor((m) => m.parsed.text.includes('First draft, corrected'));
      expect(smtp.mails.some((m) => m.parsed.text.includes('Frist draft') || m.parsed.text.includes('Oops'))).toBe(false);
    });

    it('survives an SMTP outage: retried later with the Message-ID stored before the first attempt', async () => {
      const { db } = h().database;
      const t = await intake(h(), settingsOf(h()), buildMail({ from: 'erin@customer.example' }), {}, false);
      const alice = await actorByEmail(db, 'alice@example.org');
      const r = await addReply(h().tickets, alice, t.ticketNumber!, { text: 'Sent during an outage', source: 'cli' });
      smtp.down(true);
      try {
        await worker().runOnce();
      } finally {
        smtp.down(false);
      }
      const [row] = await db.select().from(outbox).where(sql`${outbox.kind} = 'mail.reply' and ${outbox.payload}->>'messageId' = ${String(r.messageId)}`);
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row!.lastError).toMatch(/451/);
      const [reserved] = await db.select().from(mailMessages).where(eq(mailMessages.messageRowId, r.messageId));
      await drain();
      const mail = await smtp.waitFor((m) => m.parsed.text.includes('Sent during an outage'));
      expect(mail.parsed.messageId).toBe(reserved!.messageId);
    });

    it('captures outgoing mail locally when no SMTP server is configured, once per Message-ID', async () => {
      const { db } = h().database;
      const t = await intake(h(), settingsOf(h()), buildMail({ from: 'fay@customer.example' }), {}, false);
      const alice = await actorByEmail(db, 'alice@example.org');
      await addReply(h().tickets, alice, t.ticketNumber!, { text: 'Captured, not sent', source: 'cli' });
      const sink = new MailSink(db, settingsOf(h()), captureTransport(db, quiet));
      const capture = new OutboxWorker(db, { logger: quiet }).register('mail', sink).register('chat', { deliver: async () => {} });
      await drain(capture);
      const rows = await db.select().from(capturedMails).where(sql`${capturedMails.envelopeTo} @> ${JSON.stringify(['fay@customer.example'])}::jsonb`);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.raw.toString()).toContain('Captured, not sent');
      expect(rows[0]!.subject).toContain(`[#${t.ticketNumber}]`);
    });
  },
  { config: MAIL_TEST_CONFIG },
);
