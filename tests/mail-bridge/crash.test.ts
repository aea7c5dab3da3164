// Crash safety of the real server process (SPEC §4, issue 3): `threaddesk start` on PostgreSQL
// is killed with SIGKILL at random moments while mails are ingested from a real Dovecot and
// replies are sent to a real SMTP server, and restarted. Afterwards every mail is exactly one
// message and every reply and acknowledgement reached the SMTP server; a second copy can only
// come from a kill between the server's 250 and our commit, and then has the same Message-ID.
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { createDb, type Database } from '../../src/db/create-db.js';
import { mailMessages, messages, tickets } from '../../src/db/schema.js';
import { settingsFrom } from '../../src/main.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { ticketContext } from '../../src/tickets/context.js';
import { addReply } from '../../src/tickets/message-usecases.js';
import { describeWithServer } from '../servers/availability.js';
import { startDovecot, type RunningDovecot } from '../servers/dovecot.js';
import { createPostgresDatabase } from '../support/databases.js';
import { cleanupCli, sandbox, startServer, type RunningServer } from '../support/cli.js';
import { postgresUrlForTests } from '../support/postgres-url.js';
import { appendMails, imapUrl, IMAP_PASSWORD, waitUntil } from './imap-support.js';
import { startRecordingSmtp, type RecordingSmtp } from './recording-smtp.js';
import { buildMail, messageIdOf } from './support.js';

const MAILS = 150;
const REPLIES = 100;
const KILLS = 4;
const MAILBOX = 'helpdesk@example.test';
const CONFIG = `
agents: [{ email: agent@example.test, name: Agent }]
departments:
  - { id: support, name: Support, emails: [${MAILBOX}], members: [{ agent: agent@example.test, access: write }] }
mail: { imap: { pollSeconds: 2 }, autoReplyLimitPerHour: 1000 }
`;

const pg = postgresUrlForTests();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeWithServer('dovecot', 'crash safety: SIGKILL while ingesting from IMAP and sending replies', () => {
  let dovecot: RunningDovecot;
  let smtp: RecordingSmtp;
  let database: Database;
  let url: string;

  beforeAll(async () => {
    dovecot = await startDovecot([{ user: MAILBOX, password: IMAP_PASSWORD }]);
    smtp = await startRecordingSmtp();
    url = await createPostgresDatabase(pg!);
    database = await createDb({ databaseUrl: url, maxConnections: 4 });
  });
  afterAll(async () => {
    await cleanupCli();
    await database?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it.skipIf(pg === null)('every mail is one message and every reply arrives, across kills', { timeout: 240_000 }, async () => {
    const sb = sandbox({ config: CONFIG, env: { DATABASE_URL: url, IMAP_URL: imapUrl(dovecot, MAILBOX), SMTP_URL: smtp.url, SMTP_LISTEN: 'off', LOG_LEVEL: 'warn' } });
    let server: RunningServer = await startServer(sb);
    const config = parseConfig((await import('yaml')).parse(CONFIG));
    const ctx = ticketContext(database.db, settingsFrom(config));
    const agent = await actorByEmail(database.db, 'agent@example.test');

    const raws = Array.from({ length: MAILS }, (_, i) => buildMail({ from: `customer${i}@crash.example`, to: MAILBOX, subject: `Crash test ${i}` }));
    const sent = new Set(raws.map(messageIdOf));
    let appending = true;
    const appender = (async () => {
      for (let i = 0; i < MAILS; i += 10) {
        await appendMails(dovecot, MAILBOX, raws.slice(i, i + 10));
        await sleep(350);
      }
      appending = false;
    })();

    // Replies to tickets as they appear, written from this process straight into the shared database.
    const replied = new Set<number>();
    const replyTexts: string[] = [];
    const replier = (async () => {
      while (replied.size < REPLIES) {
        const open = await database.db.select({ id: tickets.id, number: tickets.number }).from(tickets);
        for (const t of open.filter((x) => !replied.has(x.id)).slice(0, REPLIES - replied.size)) {
          const text = `Reply ${replied.size} on ${t.number}`;
          await addReply(ctx, agent, t.number, { text, source: 'cli' });
          replied.add(t.id);
          replyTexts.push(text);
        }
        await sleep(100);
      }
    })();

    const killedAt: string[] = [];
    const t0 = Date.now();
    for (let k = 0; k < KILLS; k++) {
      await sleep(700 + Math.random() * 1500);
      const inSoFar = (await database.db.select({ id: mailMessages.id }).from(mailMessages).where(eq(mailMessages.direction, 'in'))).length;
      killedAt.push(`${Date.now() - t0} ms (${inSoFar} in, ${smtp.mails.length} out)`);
      await server.stop('SIGKILL');
      server = await startServer(sb);
    }
    await appender;
    await replier;
    expect(appending).toBe(false);

    // Rows leased by a killed process wait out their lease (60 s); pretend that time has passed.
    await database.db.execute(sql`update outbox set lease_until = now() where status = 'delivering'`);
    const stored = () => database.db.select().from(mailMessages).where(eq(mailMessages.direction, 'in'));
    await waitUntil(async () => (await stored()).length >= MAILS, 60_000, `${MAILS} mails stored`);
    await waitUntil(async () => (await pendingMail(database)) === 0, 60_000, 'all mail delivered');
    await server.stop();

    // Every mail exactly once, as one customer message.
    const inbound = await stored();
    expect(inbound.map((r) => r.messageId).sort()).toEqual([...sent].sort());
    const customerMessages = await database.db.select({ id: messages.id }).from(messages).where(and(eq(messages.kind, 'customer'), eq(messages.source, 'mail')));
    expect(customerMessages).toHaveLength(MAILS);

    // Every reply and every acknowledgement reached the SMTP server; copies share their Message-ID.
    const outbound = await database.db.select().from(mailMessages).where(eq(mailMessages.direction, 'out'));
    const received = new Map<string, number>();
    for (const m of smtp.mails) received.set(m.parsed.messageId ?? '', (received.get(m.parsed.messageId ?? '') ?? 0) + 1);
    for (const text of replyTexts) {
      const copies = smtp.mails.filter((m) => m.parsed.text.includes(text));
      expect(copies.length, text).toBeGreaterThanOrEqual(1);
      expect(new Set(copies.map((c) => c.parsed.messageId)).size, `copies of "${text}" carry one Message-ID`).toBe(1);
    }
    expect(outbound.filter((o) => o.outcome === 'reply')).toHaveLength(REPLIES);
    expect(outbound.filter((o) => o.outcome === 'auto:acknowledgement')).toHaveLength(MAILS);
    for (const o of outbound) expect(received.get(o.messageId) ?? 0, o.outcome).toBeGreaterThanOrEqual(1);
    const secondCopies = [...received.values()].reduce((n, c) => n + (c - 1), 0);
    console.log(`crash test: ${KILLS} SIGKILLs at ${killedAt.join(', ')}; ${MAILS} mails stored once each; ${outbound.length} mails out (${REPLIES} replies, ${MAILS} acknowledgements), ${secondCopies} second cop${secondCopies === 1 ? 'y' : 'ies'} (same Message-ID)`);
  });
});

async function pendingMail(database: Database): Promise<number> {
  const rows = await database.db.execute(sql`select count(*)::int as n from outbox where sink = 'mail' and status <> 'done'`);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: { n: number }[] }).rows) as { n: number }[];
  return Number(list[0]?.n ?? 0);
}
