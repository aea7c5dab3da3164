// Putting mail into a real Dovecot mailbox and reading its flags, for the IMAP intake tests.
import { ImapFlow } from 'imapflow';
import type { RunningDovecot } from '../servers/dovecot.js';

export const IMAP_PASSWORD = 'secret';

export function imapUrl(dovecot: RunningDovecot, user: string, path = 'INBOX'): string {
  return `imap://${encodeURIComponent(user)}:${IMAP_PASSWORD}@${dovecot.host}:${dovecot.port}/${path}`;
}

export async function withImap<T>(dovecot: RunningDovecot, user: string, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: IMAP_PASSWORD }, logger: false });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export function appendMails(dovecot: RunningDovecot, user: string, raws: Buffer[], path = 'INBOX'): Promise<void> {
  return withImap(dovecot, user, async (client) => {
    for (const raw of raws) await client.append(path, raw);
  });
}

/** UID → flags of every mail in the folder. */
export function flagsOf(dovecot: RunningDovecot, user: string, path = 'INBOX'): Promise<Map<number, Set<string>>> {
  return withImap(dovecot, user, async (client) => {
    await client.mailboxOpen(path);
    const out = new Map<number, Set<string>>();
    if (!client.mailbox || client.mailbox.exists === 0) return out;
    for (const m of await client.fetchAll('1:*', { uid: true, flags: true })) out.set(m.uid, m.flags ?? new Set());
    return out;
  });
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
