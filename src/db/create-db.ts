// createDb(): embedded PGlite when DATABASE_URL is unset, PostgreSQL (postgres driver) when set.
// Both give the same drizzle API, so every query in the project runs unchanged on both.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PgDatabase, PgDialect, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql, type SQL } from 'drizzle-orm';
import postgres from 'postgres';
import * as schema from './schema.js';
import { migrationsFolder } from '../paths.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle has the same query API as the database. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Where the data lives: a directory (PGlite) or the URL without its password. */
  location: string;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  databaseUrl?: string;
  /** PGlite data directory; `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
}

// Replicas starting together must not run the same migration twice.
const MIGRATION_LOCK = 7_404_2611;

export async function createDb(options: CreateDbOptions = {}): Promise<Database> {
  if (options.databaseUrl) return createPostgres(options.databaseUrl, options.maxConnections ?? 10);
  return createPglite(options.dataDir ?? './data');
}

async function createPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  const dir = inMemory ? dataDir : `${dataDir.replace(/\/$/, '')}/pglite`;
  if (!inMemory) mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    location: dir,
    migrate: async () => {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder: migrationsFolder() });
    },
    ping: async () => {
      await client.query('select 1');
    },
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
}

async function createPostgres(url: string, max: number): Promise<Database> {
  const client = postgres(url, { max, onnotice: () => {} });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  const safeUrl = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return {
    db,
    kind: 'postgres',
    location: safeUrl,
    migrate: async () => {
      const single = postgres(url, { max: 1, onnotice: () => {} });
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        await migratePostgres(drizzlePostgres(single, { schema }), { migrationsFolder: migrationsFolder() });
        await single`select pg_advisory_unlock(${MIGRATION_LOCK})`;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    ping: async () => {
      await client`select 1`;
    },
    close: async () => {
      await client.end({ timeout: 5 });
    },
  };
}

/** Raw SQL rows on both drivers (PGlite returns `{rows}`, postgres-js an array). */
export async function queryRows<T>(q: Queryable, query: SQL): Promise<T[]> {
  const result: unknown = await q.execute(query);
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * Like queryRows, but on PostgreSQL as a named prepared statement, parsed and planned once per
 * connection. Drizzle sends every query unnamed, so PostgreSQL plans it again on every call;
 * for the mail intake's one large statement that planning cost about as much as running it.
 * For statements whose text never changes and that run often. PGlite: the same as queryRows.
 */
export async function queryRowsPrepared<T>(q: Queryable, query: SQL): Promise<T[]> {
  const internals = q as unknown as { _: { session: { client?: PreparingClient } }; dialect?: PgDialect };
  const client = internals._.session.client;
  if (typeof client?.unsafe !== 'function' || !internals.dialect || client instanceof PGlite) return queryRows(q, query);
  const { sql: text, params } = internals.dialect.sqlToQuery(query);
  return (await client.unsafe(text, params, { prepare: true })) as T[];
}

/** The part of a postgres-js client queryRowsPrepared uses. */
interface PreparingClient {
  unsafe(text: string, params: unknown[], options: { prepare: boolean }): Promise<unknown[]>;
}

export { sql };
