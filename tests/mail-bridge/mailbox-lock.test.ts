// With several replicas on PostgreSQL, one polls each mailbox: the advisory lock behind it.
import { afterAll, describe, expect, it } from 'vitest';
import { postgresMailboxLock } from '../../src/mail/mailbox-lock.js';
import { createPostgresDatabase } from '../support/databases.js';
import { postgresUrlForTests } from '../support/postgres-url.js';

const pg = postgresUrlForTests();

describe.skipIf(pg === null)('mailbox lock on PostgreSQL', () => {
  const locks: ReturnType<typeof postgresMailboxLock>[] = [];
  afterAll(async () => {
    for (const l of locks) await l.release();
  });

  it('lets one replica hold a mailbox, and another take over when it goes away', async () => {
    const url = await createPostgresDatabase(pg!);
    const a = postgresMailboxLock(url, 'imap://helpdesk@mail.example/INBOX');
    const b = postgresMailboxLock(url, 'imap://helpdesk@mail.example/INBOX');
    const other = postgresMailboxLock(url, 'imap://board@mail.example/INBOX');
    locks.push(a, b, other);
    expect(await a.hold()).toBe(true);
    expect(await a.hold()).toBe(true); // re-checked before every sync
    expect(await b.hold()).toBe(false);
    expect(await other.hold()).toBe(true); // another mailbox is independent
    await a.release(); // the replica stops (or its connection dies)
    expect(await b.hold()).toBe(true);
  });
});
