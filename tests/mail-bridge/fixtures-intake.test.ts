// Real-world mails (Zammad's and talon's test suites, ../shared/fixtures/mail, read in place)
// and the project's own samples through the whole intake pipeline: none crashes, each lands
// with its sender and visible text, bounces become notes and never tickets.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { messages } from '../../src/db/schema.js';
import { parseMail } from '../../src/mail/index.js';
import { isCI } from '../servers/availability.js';
import { describeOnDatabases } from '../support/databases.js';
import { fixturesDir, samplesDir } from '../mail/helpers.js';
import { buildMail, contactByEmail, historyOf, intake, MAIL_TEST_CONFIG, pretendSent, settingsOf, ticketByNumber, ticketCount } from './support.js';

const haveFixtures = existsSync(fixturesDir);
if (!haveFixtures && !isCI()) console.warn(`skipping mail-bridge fixture intake: ${fixturesDir} does not exist (shared third-party fixtures, not in the repository)`);
describe.runIf(!haveFixtures && isCI())('mail-bridge fixtures in CI', () => {
  it('are present', () => expect.fail(`CI is set but the mail fixtures are missing: ${fixturesDir}`));
});

const config = { ...MAIL_TEST_CONFIG, mail: { ...MAIL_TEST_CONFIG.mail, maxMessageBytes: 8 * 1024 * 1024 } };

describeOnDatabases(
  'own samples through the pipeline',
  (h) => {
    it('an Exim bounce and an Exchange DSN of our mails become flagged notes; the newsletter and auto-reply get no answer', async () => {
      const { db } = h().database;
      await intake(h(), settingsOf(h()), buildMail({ from: 'old.customer@example.net' }));
      const exim = readFileSync(path.join(samplesDir, 'bounce-exim.eml'));
      const before = await ticketCount(db);
      // The Exim bounce quotes no Message-ID of ours: it matches nothing and is kept, flagging the contact.
      expect((await intake(h(), settingsOf(h()), exim)).outcome).toMatch(/bounce|unmatched/);
      expect((await contactByEmail(db, 'old.customer@example.net'))!.flagged).toBe(true);
      // The Exchange DSN names the ticket in the returned subject: a note on that ticket.
      const exchangeRaw = readFileSync(path.join(samplesDir, 'bounce-rfc822-headers.eml'));
      const target = await intake(h(), settingsOf(h()), buildMail({ from: 'jane.old@example.com' }));
      const patched = Buffer.from(exchangeRaw.toString('latin1').replaceAll('20261123000042', target.ticketNumber!), 'latin1');
      const r = await intake(h(), settingsOf(h()), patched);
      expect(r).toMatchObject({ outcome: 'bounce', ticketNumber: target.ticketNumber, flagged: true });
      expect(await ticketCount(db)).toBe(before + 1);
      for (const name of ['newsletter-bulk.eml', 'auto-reply.eml']) {
        const res = await intake(h(), settingsOf(h()), readFileSync(path.join(samplesDir, name)));
        expect(res.autoMailSkipped, name).toBeDefined();
      }
    });
  },
  { config },
);

describe.skipIf(!haveFixtures)('fixtures through the pipeline', () => {
  const dirs = ['talon', 'zammad'].map((d) => path.join(fixturesDir, d));
  const files = dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => /\.(eml|box)$/.test(f)).map((f) => path.join(d, f)) : []));

  describeOnDatabases(
    'fixtures',
    (h) => {
      it('every fixture is stored with its sender and visible text, or recognised as a bounce; none crashes', async () => {
        const { db } = h().database;
        expect(files.length).toBeGreaterThanOrEqual(35);
        for (const file of files) {
          const raw = readFileSync(file);
          const parsed = await parseMail(raw);
          const r = await intake(h(), settingsOf(h()), raw, { recipients: ['support@example.org'] });
          const name = path.basename(file);
          expect(['created', 'appended', 'bounce', 'unmatched'], name).toContain(r.outcome);
          if (r.outcome === 'bounce' || r.outcome === 'unmatched') continue;
          const [m] = await db.select().from(messages).where(eq(messages.id, r.messageRowId!));
          expect(m!.text.trim(), name).not.toBe('');
          if (parsed.visibleText.trim()) expect(m!.text, name).toBe(parsed.visibleText.trim());
          if (parsed.from) expect((await contactByEmail(db, parsed.from.address.toLowerCase()))?.email, name).toBe(parsed.from.address.toLowerCase());
        }
      });

      it('mail033 (Postfix bounce) attaches to the ticket of the bounced Message-ID and opens none', async () => {
        const { db } = h().database;
        const t = await intake(h(), settingsOf(h()), buildMail({ from: 'not_existing@znuny.com' }));
        const ticket = await ticketByNumber(db, t.ticketNumber!);
        await pretendSent(db, ticket.id, 'notification.20150830145600.1.4.5f4fd063-f69b-4e64-a92d-5e7128bd6682@127.0.0.1:3000');
        const before = await ticketCount(db);
        const bounce = readFileSync(path.join(fixturesDir, 'zammad', 'mail033-undelivered-mail-returned-to-sender-notification.box'));
        const r = await intake(h(), settingsOf(h()), Buffer.concat([bounce, Buffer.from('\n')])); // new bytes: not the copy stored above
        expect(r).toMatchObject({ outcome: 'bounce', ticketNumber: t.ticketNumber, flagged: true });
        expect(await ticketCount(db)).toBe(before);
        expect((await contactByEmail(db, 'not_existing@znuny.com'))!.flagged).toBe(true);
        const note = (await historyOf(db, t.ticketNumber!)).find((m) => m.id === r.messageRowId)!;
        expect(note.text).toMatch(/not_existing@znuny\.com could not be delivered \(5\.1\.1\)/);
      });
    },
    { config },
  );
});
