// With several replicas on one PostgreSQL, one of them polls each mailbox: the holder of a
// session-level advisory lock on a connection of its own. If that connection dies, the lock
// goes with it and another replica takes over; `hold()` re-checks before every sync, so a
// replica whose connection was silently replaced notices and steps back.
import postgres from 'postgres';
import type { MailboxLock } from './imap-intake.js';

const LOCK_SPACE = 7404;

export function postgresMailboxLock(databaseUrl: string, key: string): MailboxLock {
  let client: postgres.Sql | null = null;
  return {
    async hold() {
      client ??= postgres(databaseUrl, { max: 1, onnotice: () => {}, idle_timeout: 0 });
      // Re-entrant for the session that holds it, false while another session does.
      const [row] = await client`select pg_try_advisory_lock(${LOCK_SPACE}, hashtext(${key})) as ok`;
      return row?.ok === true;
    },
    async release() {
      const c = client;
      client = null;
      await c?.end({ timeout: 5 });
    },
  };
}
