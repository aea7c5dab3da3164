// `npm run bench`: throughput of the ticket core. Prints figures, asserts nothing.
//   - ticket cycles (new → claim → note → close) per second, PGlite and PostgreSQL, 1 and 4 clients
//   - new tickets per second on PostgreSQL with 4 clients (in one process, and as 4 processes)
//   - outbox deliveries per second (1 and 2 workers)
// PostgreSQL: BENCH_DATABASE_URL if set, else a throwaway durable cluster (fsync on) when the
// binaries are installed.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { stringify } from 'yaml';
import { parseConfig } from '../src/config/load-config.js';
import { createDb, type Database } from '../src/db/create-db.js';
import { settingsFrom } from '../src/main.js';
import { enqueue } from '../src/outbox/enqueue.js';
import { OutboxWorker } from '../src/outbox/worker.js';
import { actorByEmail } from '../src/tickets/actors.js';
import { syncConfig } from '../src/tickets/config-sync.js';
import { ticketContext, type TicketContext } from '../src/tickets/context.js';
import { createTicket } from '../src/tickets/create-ticket.js';
import { claimTicket, closeTicket } from '../src/tickets/lifecycle-usecases.js';
import { addNote } from '../src/tickets/message-usecases.js';
import { packageRoot } from '../src/paths.js';
import { startPostgres } from '../tests/servers/postgres.js';

const RAW_CONFIG = {
  agents: [{ email: 'bench@example.org', name: 'Bench', role: 'agent' }],
  departments: [{ id: 'support', name: 'Support', emails: ['support@example.org'], members: [{ agent: 'bench@example.org', access: 'write' }] }],
};
const config = parseConfig(RAW_CONFIG, 'bench config');

async function fresh(kind: 'pglite' | 'postgres', baseUrl: string | null, name: string): Promise<{ database: Database; url: string | null }> {
  let url: string | null = null;
  if (kind === 'postgres') {
    const admin = postgres(baseUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name}`);
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const u = new URL(baseUrl!);
    u.pathname = `/${name}`;
    url = u.toString();
  }
  const database = await createDb(url ? { databaseUrl: url, maxConnections: 8 } : { dataDir: 'memory://' });
  await database.migrate();
  await syncConfig(database.db, config);
  return { database, url };
}

/** Runs `total` jobs with `clients` concurrent loops; returns jobs per second. */
async function rate(total: number, clients: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) await job(i);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const fmt = (n: number) => n.toFixed(0).padStart(7);

async function ticketCycles(ctx: TicketContext, clients: number, total: number): Promise<{ cycles: number; creations: number }> {
  const actor = await actorByEmail(ctx.db, 'bench@example.org');
  const cycles = await rate(total, clients, async (i) => {
    const { ticket } = await createTicket(ctx, actor, { subject: `Cycle ${i}`, departmentId: 'support', source: 'cli' });
    await claimTicket(ctx, actor, ticket.number);
    await addNote(ctx, actor, ticket.number, { text: 'looked at it', source: 'cli' });
    await closeTicket(ctx, actor, ticket.number);
  });
  const creations = await rate(total, clients, async (i) => {
    await createTicket(ctx, actor, { subject: `New ${i}`, departmentId: 'support', source: 'cli' });
  });
  return { cycles, creations };
}

async function outboxRate(database: Database, url: string | null, workers: number, rows: number): Promise<number> {
  await enqueue(
    database.db,
    Array.from({ length: rows }, (_, i) => ({ ticketId: null, orderKey: `chat:${i % 200}`, sink: 'log' as const, kind: 'bench', payload: { i } })),
  );
  const extra: Database[] = [];
  const dbs = [database.db];
  for (let w = 1; w < workers; w++) {
    if (!url) break;
    const other = await createDb({ databaseUrl: url, maxConnections: 4 });
    extra.push(other);
    dbs.push(other.db);
  }
  const started = performance.now();
  const counts = await Promise.all(
    dbs.map((db) => new OutboxWorker(db, { batchSize: 100 }).register('log', { deliver: async () => ({ externalId: 'x' }) }).drain()),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const e of extra) await e.close();
  return counts.reduce((a, b) => a + b, 0) / seconds;
}

async function processes(url: string, n: number, each: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'threaddesk-bench-'));
  const configPath = join(dir, 'threaddesk.yaml');
  writeFileSync(configPath, stringify(RAW_CONFIG));
  const script = join(packageRoot(), 'dist/bench/create-tickets.js');
  const startAt = Date.now() + 3_000;
  const outputs = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [script, '--count', String(each), '--as', 'bench@example.org', '--concurrency', '4', '--start-at', String(startAt)], {
          env: { ...process.env, DATABASE_URL: url, THREADDESK_CONFIG: configPath },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`create-tickets exited with ${code}`))));
      }),
    ),
  );
  const runs = outputs.map((o) => JSON.parse(o.trim().split('\n').pop()!) as { created: number; startedAt: number; finishedAt: number; numbers: string[] });
  const all = new Set(runs.flatMap((r) => r.numbers));
  const seconds = (Math.max(...runs.map((r) => r.finishedAt)) - Math.min(...runs.map((r) => r.startedAt))) / 1000;
  console.log(`  ${n} processes × ${each}: ${all.size} distinct numbers of ${runs.reduce((a, r) => a + r.created, 0)}`);
  return all.size / seconds;
}

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_TICKETS ?? 300);
  let pgUrl = process.env.BENCH_DATABASE_URL ?? null;
  let server: { stop(): Promise<void> } | null = null;
  if (!pgUrl) {
    try {
      const started = await startPostgres({ durable: true });
      server = started;
      pgUrl = started.url;
    } catch (err) {
      console.log(`PostgreSQL figures skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  console.log(`threaddesk bench — ${total} tickets per figure; PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'from BENCH_DATABASE_URL' : 'throwaway cluster, fsync on'}`);
  console.log('database   clients  cycles/s  (new→claim→note→close)  new tickets/s');
  for (const kind of ['pglite', 'postgres'] as const) {
    if (kind === 'postgres' && !pgUrl) continue;
    for (const clients of [1, 4]) {
      const { database } = await fresh(kind, pgUrl, `bench_${clients}`);
      const ctx = ticketContext(database.db, settingsFrom(config));
      const r = await ticketCycles(ctx, clients, total);
      console.log(`${kind.padEnd(10)} ${String(clients).padStart(7)}  ${fmt(r.cycles)}                          ${fmt(r.creations)}`);
      await database.close();
    }
  }
  if (pgUrl) {
    const { url, database } = await fresh('postgres', pgUrl, 'bench_procs');
    await database.close();
    console.log(`postgres, separate processes: ${fmt(await processes(url!, 4, 250))} new tickets/s`);
  }
  console.log('outbox     workers  deliveries/s');
  for (const kind of ['pglite', 'postgres'] as const) {
    if (kind === 'postgres' && !pgUrl) continue;
    for (const workers of kind === 'pglite' ? [1] : [1, 2]) {
      const { database, url } = await fresh(kind, pgUrl, `bench_outbox_${workers}`);
      console.log(`${kind.padEnd(10)} ${String(workers).padStart(7)}  ${fmt(await outboxRate(database, url, workers, 5_000))}`);
      await database.close();
    }
  }
  await server?.stop();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
