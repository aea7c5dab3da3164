// The real servers the test suite relies on actually work: PostgreSQL (started by global setup)
// answers queries, and a Dovecot started here stores and returns a message over IMAP.
import { ImapFlow } from 'imapflow';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrlForTests } from '../support/postgres-url.js';
import { describeWithServer } from './availability.js';
import { startDovecot, type RunningDovecot } from './dovecot.js';

const pgUrl = postgresUrlForTests();

describe.skipIf(pgUrl === null)('PostgreSQL from global setup', () => {
  it('answers select 1', async () => {
    const sql = postgres(pgUrl!, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ one: number }[]>`select 1 as one`;
      expect(rows[0]?.one).toBe(1);
      const [db] = await sql<{ db: string; usr: string }[]>`select current_database() as db, current_user as usr`;
      expect(db).toEqual({ db: 'app', usr: 'app' });
    } finally {
      await sql.end();
    }
  });
});

describeWithServer('dovecot', 'Dovecot IMAP', () => {
  const user = 'helpdesk@example.test';
  const pass = 'secret';
  let imap: RunningDovecot;

  beforeAll(async () => {
    imap = await startDovecot([{ user, password: pass }]);
  });
  afterAll(async () => {
    await imap?.stop();
  });

  it('listens on loopback only', () => {
    expect(imap.host).toBe('127.0.0.1');
    expect(imap.port).toBeGreaterThan(0);
  });

  it('stores a message with APPEND and fetches it back', async () => {
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: false,
      auth: { user, pass },
      logger: false,
    });
    await client.connect();
    try {
      const raw = [
        'From: Customer <customer@example.test>',
        `To: ${user}`,
        'Subject: Printer on fire',
        'Message-ID: <t1@example.test>',
        'Date: Mon, 01 Jan 2024 10:00:00 +0000',
        '',
        'It is really on fire.',
        '',
      ].join('\r\n');
      const appended = await client.append('INBOX', raw, ['\\Seen']);
      expect(appended).toBeTruthy();

      const lock = await client.getMailboxLock('INBOX');
      try {
        const messages = [];
        for await (const msg of client.fetch('1:*', { envelope: true, source: true, flags: true })) {
          messages.push(msg);
        }
        expect(messages).toHaveLength(1);
        expect(messages[0]?.envelope?.subject).toBe('Printer on fire');
        expect(messages[0]?.envelope?.messageId).toBe('<t1@example.test>');
        expect(messages[0]?.flags?.has('\\Seen')).toBe(true);
        expect(messages[0]?.source?.toString()).toContain('It is really on fire.');
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  it('rejects a wrong password', async () => {
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: false,
      auth: { user, pass: 'wrong' },
      logger: false,
    });
    await expect(client.connect()).rejects.toThrow();
    client.close();
  });
});
