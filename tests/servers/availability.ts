/**
 * Which real servers can the tests run on this machine, and what to do when one is missing.
 *
 * The rule (same for every suite that needs a real server):
 * - binaries present            -> the suite runs;
 * - binaries missing, no `CI`   -> the suite is skipped and "skipping <title>: <reason>" is printed once;
 * - binaries missing, `CI` set  -> the suite FAILS with the reason (CI never skips silently).
 *
 * Usage in a test file:
 *
 *   import { describeWithServer } from '../servers/availability.js';
 *   describeWithServer('dovecot', 'mail intake', () => {
 *     it('...', async () => { ... });
 *   });
 *
 * `describeWithServer` is `describe` with the rule built in. For finer control there is
 * `needServer(name)`, which returns `{ skip, reason }` (warning once when it skips) and throws
 * when `CI` is set, so the test file fails at collection:  `describe.skipIf(needServer('chromium').skip)(...)`.
 *
 * `CI` counts as set when it is non-empty and not "0" or "false".
 * THREADDESK_HIDE_SERVERS=postgres,dovecot (comma list) makes those servers count as missing,
 * to try the skip/fail paths on a machine that has them.
 * PostgreSQL is started once by tests/support/global-setup.ts; tests get its URL with
 * `postgresUrlForTests()` from tests/support/postgres-url.ts.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';

export type ServerName = 'postgres' | 'dovecot' | 'chromium';

export interface Availability {
  available: boolean;
  reason?: string;
}

export function isCI(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable called `name` on PATH (plus the sbin dirs, which non-root PATHs often lack). */
export function which(name: string): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const extra of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(extra)) dirs.push(extra);
  }
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

/** Does a local (passwd-file) user exist? */
export function userExists(name: string): boolean {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .some((line) => line.split(':')[0] === name);
  } catch {
    return false;
  }
}

const PG_TOOLS = ['initdb', 'pg_ctl', 'postgres', 'createdb'];

/**
 * The PostgreSQL server bin dir: $PGBIN if set, else the newest /usr/lib/postgresql/<ver>/bin
 * (Debian), else the dir of `initdb` on PATH. Returns null when none has all the needed tools.
 */
export function findPgBin(): string | null {
  const candidates: string[] = [];
  if (process.env.PGBIN) candidates.push(process.env.PGBIN);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => existsSync(path.join(base, v, 'bin')))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    candidates.push(...versions.map((v) => path.join(base, v, 'bin')));
  }
  const initdb = which('initdb');
  if (initdb) candidates.push(path.dirname(realpathSync(initdb)));
  return candidates.find((dir) => PG_TOOLS.every((t) => isExecutable(path.join(dir, t)))) ?? null;
}

export function findDovecot(): { dovecot: string; imap: string } | null {
  const dovecot = which('dovecot');
  if (!dovecot) return null;
  const imap = ['/usr/lib/dovecot/imap', '/usr/libexec/dovecot/imap', '/usr/local/libexec/dovecot/imap'].find(
    isExecutable,
  );
  return imap ? { dovecot, imap } : null;
}

export function findChromium(): string | null {
  if (process.env.CHROMIUM_PATH && isExecutable(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return which('chromium') ?? which('chromium-browser') ?? which('google-chrome');
}

/** Are the server's binaries (and, when root, the system user it runs as) present? */
export function serverAvailability(name: ServerName): Availability {
  const hidden = (process.env.THREADDESK_HIDE_SERVERS ?? '').split(',').map((s) => s.trim());
  if (hidden.includes(name)) return { available: false, reason: `hidden by THREADDESK_HIDE_SERVERS` };
  switch (name) {
    case 'postgres': {
      if (!findPgBin()) {
        return {
          available: false,
          reason: `PostgreSQL server binaries (${PG_TOOLS.join(', ')}) not found in $PGBIN, /usr/lib/postgresql/*/bin or PATH (apt-get install postgresql)`,
        };
      }
      if (isRoot() && !userExists('postgres')) {
        return { available: false, reason: 'running as root but there is no "postgres" user to run initdb as' };
      }
      return { available: true };
    }
    case 'dovecot': {
      if (!findDovecot()) {
        return {
          available: false,
          reason: 'dovecot or its imap binary not found (apt-get install dovecot-imapd)',
        };
      }
      if (isRoot() && !userExists('mailtest') && !which('useradd')) {
        return { available: false, reason: 'running as root, no "mailtest" user and no useradd to create it' };
      }
      return { available: true };
    }
    case 'chromium':
      return findChromium()
        ? { available: true }
        : { available: false, reason: 'chromium not found on PATH (apt-get install chromium)' };
  }
}

const warned = new Set<string>();

function warnOnce(what: string, reason: string): void {
  const key = `${what}\0${reason}`;
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(`skipping ${what}: ${reason}`);
}

/**
 * `{ skip: false }` when the server is available; `{ skip: true, reason }` (with a one-time
 * warning) when it is not and CI is unset; throws when it is not and CI is set.
 */
export function needServer(name: ServerName, what: string = name): { skip: boolean; reason?: string } {
  const a = serverAvailability(name);
  if (a.available) return { skip: false };
  const reason = a.reason ?? `${name} unavailable`;
  if (isCI()) throw new Error(`${what} needs ${name}, which CI must provide: ${reason}`);
  warnOnce(what, reason);
  return { skip: true, reason };
}

/** `describe` that follows the rule at the top of this file. */
export function describeWithServer(name: ServerName, title: string, fn: () => void): void {
  const a = serverAvailability(name);
  if (a.available) {
    describe(title, fn);
    return;
  }
  const reason = a.reason ?? `${name} unavailable`;
  if (isCI()) {
    describe(title, () => {
      it(`needs ${name}`, () => {
        throw new Error(`${name} is required when CI is set: ${reason}`);
      });
    });
    return;
  }
  warnOnce(title, reason);
  describe.skip(title, fn);
}
