// IMAP intake against a real Dovecot, on both databases: IDLE delivery, \Seen after commit, a
// restart that neither skips nor repeats (checkpoint), catching up \Seen lost in a crash,
// moving processed mail, and threading a reply that came in over IMAP.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mailMessages } from '../../src/db/schema.js';
import { ImapIntake } from '../../src/mail/imap-intake.js';
import { readCheckpoint } from '../../src/mail/mail-ledger.js';
import { describeWithServer } from '../servers/availability.js';
import { startDovecot, type RunningDovecot } from '../servers/dovecot.js';
import { describeOnDatabases, type DbHarness } from '../support/databases.js';
import { appendMails, flagsOf, imapUrl, IMAP_PASSWORD, waitUntil, withImap } from './imap-support.js';
import { buildMail, MAIL_TEST_CONFIG, settingsOf } from './support.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describeWithServer('dovecot', 'IMAP intake', () => {
  let dovecot: RunningDovecot;
  beforeAll(async () => {
    dovecot = await startDovecot(['pglite', 'postgres', 'move-pglite', 'move-postgres'].map((u) => ({ user: `${u}@example.test`, password: IMAP_PASSWORD })));
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  describeOnDatabases(
    'IMAP intake',
    (h, kind) => {
      const user = `${kind}@example.test`;
      const ingested = async (db = h().database.db) => (await db.select().from(mailMessages).where(eq(mailMessages.direction, 'in'))).length;
      const intakeFor = (harness: DbHarness, processedFolder?: string, mailbox = user) =>
        new ImapIntake({ url: imapUrl(dovecot, mailbox), departmentId: 'support' }, { tickets: harness.tickets, settings: settingsOf(harness), autoMail: true, logger: quiet }, { pollSeconds: 60, processedFolder, logger: quiet });

      it('stores new mail, flags it \\Seen after the commit, and a restart neither skips nor repeats', async () => {
        await appendMails(dovecot, user, [1, 2, 3].map((i) => buildMail({ from: `c${i}@customer.example`, subject: `Mail ${i}` })));
        const first = intakeFor(h());
        first.start();
        await waitUntil(async () => (await ingested()) === 3, 15_000, '3 mails stored');
        await waitUntil(async () => [...(await flagsOf(dovecot, user)).values()].every((f) => f.has('\\Seen')), 5_000, '\\Seen on all');
        // IDLE: a mail arriving while connected is taken at once (the poll would take 60 s).
        const t0 = Date.now();
        await appendMails(dovecot, user, [buildMail({ from: 'idle@customer.example' })]);
        await waitUntil(async () => (await ingested()) === 4, 10_000, 'the IDLE-delivered mail');
        expect(Date.now() - t0).toBeLessThan(5_000);
        await first.stop();

        const checkpoint = await readCheckpoint<{ uidValidity: string; lastUid: number }>(h().database.db, first.checkpointKey);
        expect(checkpoint).toMatchObject({ lastUid: 4 });
        // While stopped: two new mails, and one stored mail whose \Seen was lost (a crash between commit and flag).
        await appendMails(dovecot, user, [buildMail({ from: 'late1@customer.example' }), buildMail({ from: 'late2@customer.example' })]);
        await withImap(dovecot, user, async (c) => {
          await c.mailboxOpen('INBOX');
          await c.messageFlagsRemove('2', ['\\Seen'], { uid: true });
        });
        const second = intakeFor(h());
        second.start();
        await waitUntil(async () => (await ingested()) === 6, 15_000, 'the 2 mails that came while stopped');
        await waitUntil(async () => [...(await flagsOf(dovecot, user)).values()].every((f) => f.has('\\Seen')), 5_000, '\\Seen caught up');
        await new Promise((r) => setTimeout(r, 300));
        await second.stop();
        expect(await ingested()).toBe(6);
      });

      it('moves processed mail to the configured folder and threads a reply that came over IMAP', async () => {
        const mailbox = `move-${kind}@example.test`;
        const original = buildMail({ from: 'gus@customer.example', subject: 'Laptop donation' });
        const reply = buildMail({ from: 'gus@customer.example', subject: 'Re: Laptop donation', inReplyTo: /Message-ID: <([^>]+)>/.exec(original.toString())![1]! });
        await appendMails(dovecot, mailbox, [original, reply]);
        const intake = intakeFor(h(), 'Processed', mailbox);
        const before = await ingested();
        intake.start();
        await waitUntil(async () => (await ingested()) === before + 2, 15_000, 'both mails');
        await waitUntil(async () => (await flagsOf(dovecot, mailbox)).size === 0, 5_000, 'INBOX emptied');
        await intake.stop();
        expect((await flagsOf(dovecot, mailbox, 'Processed')).size).toBe(2);
        const rows = await h().database.db.select().from(mailMessages).where(eq(mailMessages.direction, 'in'));
        const [a, b] = rows.slice(-2);
        expect(a!.outcome).toBe('created');
        expect(b).toMatchObject({ outcome: 'appended', ticketId: a!.ticketId });
      });
    },
    { config: MAIL_TEST_CONFIG },
  );
});
