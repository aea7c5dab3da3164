/**
 * The database suite runs twice: on embedded PGlite (always) and on the real PostgreSQL started
 * by global setup (skipped with a printed reason only outside CI). Each describe block gets a
 * fresh database with migrations applied and the given config synced.
 *
 *   describeOnDatabases('tickets', (h) => {
 *     it('…', async () => { const { tickets, database } = h(); … });
 *   }, { config });
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';
import { createDb, type Database } from '../../src/db/create-db.js';
import { settingsFrom } from '../../src/main.js';
import { syncConfig } from '../../src/tickets/config-sync.js';
import { ticketContext, type TicketContext } from '../../src/tickets/context.js';
import { postgresUrlForTests } from './postgres-url.js';

export interface DbHarness {
  database: Database;
  tickets: TicketContext;
  config: Config;
  /** The PostgreSQL URL of this suite's database (null on PGlite). */
  url: string | null;
}

export type DbKind = 'pglite' | 'postgres';

/** Creates an empty database of its own in the shared test cluster; returns its URL. */
export async function createPostgresDatabase(baseUrl: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function openTestDatabase(kind: DbKind, config: Config): Promise<DbHarness> {
  let url: string | null = null;
  if (kind === 'postgres') {
    const base = postgresUrlForTests();
    if (!base) throw new Error('PostgreSQL is not available');
    url = await createPostgresDatabase(base);
  }
  const database = await createDb(url ? { databaseUrl: url } : { dataDir: 'memory://' });
  await database.migrate();
  await syncConfig(database.db, config);
  return { database, tickets: ticketContext(database.db, settingsFrom(config)), config, url };
}

export function describeOnDatabases(title: string, fn: (harness: () => DbHarness, kind: DbKind) => void, options: { config?: unknown } = {}): void {
  const config = parseConfig(options.config ?? TEST_CONFIG, 'test config');
  const pgUrl = postgresUrlForTests();
  for (const kind of ['pglite', 'postgres'] as const) {
    describe.skipIf(kind === 'postgres' && pgUrl === null)(`${title} [${kind}]`, () => {
      let h: DbHarness | undefined;
      beforeAll(async () => {
        h = await openTestDatabase(kind, config);
      });
      afterAll(async () => {
        await h?.database.close();
      });
      fn(() => {
        if (!h) throw new Error('database not opened');
        return h;
      }, kind);
    });
  }
}

/** The config from the ticket-core issue, plus a second department and a few more agents. */
export const TEST_CONFIG = {
  tickets: { numberPrefix: '', numberFormat: '{date}{seq:6}' },
  agents: [
    { email: 'alice@example.org', name: 'Alice', role: 'agent', slack: 'U01', matrix: '@alice:example.org', discord: '1001' },
    { email: 'bob@example.org', name: 'Bob', role: 'agent' },
    { email: 'rita@example.org', name: 'Rita', role: 'agent' },
    { email: 'olga@example.org', name: 'Olga', role: 'agent' },
    { email: 'admin@example.org', name: 'Ada Admin', role: 'admin' },
  ],
  departments: [
    {
      id: 'support',
      name: 'Support',
      emails: ['support@example.org'],
      channels: { slack: 'C01', matrix: '!abc:example.org', discord: '2001' },
      members: [
        { agent: 'alice@example.org', access: 'write' },
        { agent: 'bob@example.org', access: 'write' },
        { agent: 'rita@example.org', access: 'read' },
      ],
    },
    {
      id: 'board',
      name: 'Board',
      emails: ['board@example.org'],
      members: [{ agent: 'olga@example.org', access: 'write' }],
    },
  ],
  helpTopics: [
    {
      id: 'donation-request',
      name: 'Donation request',
      department: 'support',
      fields: [{ id: 'proof', label: 'Eligibility proof filed', type: 'select', options: ['yes', 'no'], requiredToClose: true }],
    },
  ],
};
