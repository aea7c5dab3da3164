// Creates tickets as fast as it can, to measure creation and to prove numbering is safe across
// processes (tests/db/numbering.test.ts starts four of these at once).
//
//   DATABASE_URL=postgres://… THREADDESK_CONFIG=threaddesk.yaml \
//     node dist/bench/create-tickets.js --count 250 --as alice@example.org \
//       [--concurrency 4] [--dept support] [--start-at <epoch ms> | --start-on-stdin]
//
// Migrates (under the migration lock) and syncs the config first, then waits for the start
// signal so several processes begin together: the time --start-at, or (--start-on-stdin) a line
// on stdin after it has written `create-tickets: ready` to stderr. Then it prints one JSON line:
//   {"created":N,"numbers":[…],"ms":…,"startedAt":…,"finishedAt":…}
// Progress and errors go to stderr; the exit code is non-zero when any creation failed.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load-config.js';
import { createDb } from '../src/db/create-db.js';
import { settingsFrom } from '../src/main.js';
import { actorByEmail } from '../src/tickets/actors.js';
import { syncConfig } from '../src/tickets/config-sync.js';
import { ticketContext } from '../src/tickets/context.js';
import { createTicket } from '../src/tickets/create-ticket.js';

const USAGE =
  'usage: node dist/bench/create-tickets.js --count N --as <email> [--concurrency C] [--dept <id>] [--start-at <epoch ms> | --start-on-stdin]';

function positiveInt(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value ?? ''}"\n${USAGE}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      as: { type: 'string' },
      concurrency: { type: 'string' },
      dept: { type: 'string' },
      'start-at': { type: 'string' },
      'start-on-stdin': { type: 'boolean' },
    },
    strict: true,
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error(`DATABASE_URL is required (a PostgreSQL URL).\n${USAGE}`);
  if (!values.as) throw new Error(`--as <agent email> is required.\n${USAGE}`);
  const count = positiveInt('count', values.count);
  const concurrency = Math.min(count, positiveInt('concurrency', values.concurrency, 1));
  const startAt = values['start-at'] === undefined ? null : Number(values['start-at']);
  if (startAt !== null && !Number.isFinite(startAt)) throw new Error(`--start-at must be epoch milliseconds.\n${USAGE}`);

  const { config } = loadConfig();
  const database = await createDb({ databaseUrl, maxConnections: concurrency + 1 });
  try {
    await database.migrate();
    await syncConfig(database.db, config);
    const tickets = ticketContext(database.db, settingsFrom(config));
    const actor = await actorByEmail(database.db, values.as);

    if (values['start-on-stdin']) {
      process.stderr.write('create-tickets: ready\n');
      await new Promise<void>((resolve, reject) => {
        process.stdin.once('data', () => resolve());
        process.stdin.once('end', () => reject(new Error('stdin closed before the start signal')));
      });
      process.stdin.destroy();
    } else if (startAt !== null) {
      const wait = startAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      else process.stderr.write(`create-tickets: ready ${-wait} ms after --start-at\n`);
    }

    const numbers: string[] = [];
    let next = 0;
    let failed = 0;
    const startedAt = Date.now();
    const worker = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        try {
          const { ticket } = await createTicket(tickets, actor, {
            subject: `Benchmark ticket ${process.pid}-${i}`,
            departmentId: values.dept,
            text: 'Created by bench/create-tickets.',
            source: 'api',
          });
          numbers.push(ticket.number);
        } catch (err) {
          failed++;
          process.stderr.write(`create-tickets: ticket ${i} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const finishedAt = Date.now();
    process.stdout.write(`${JSON.stringify({ created: numbers.length, numbers, ms: finishedAt - startedAt, startedAt, finishedAt })}\n`);
    if (failed > 0) process.exitCode = 1;
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`create-tickets: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
