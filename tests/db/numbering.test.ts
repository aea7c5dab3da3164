// Ticket numbers (SPEC §2): `{date}{seq:6}` per UTC day, optional prefix, unique under concurrent
// creation — within one process and across several processes on one PostgreSQL.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { stringify } from 'yaml';
import { expect, it, onTestFinished } from 'vitest';
import { runCommandAs } from '../../commands/run-as.js';
import { tickets } from '../../src/db/schema.js';
import { packageRoot } from '../../src/paths.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { ticketContext } from '../../src/tickets/context.js';
import { createTicket } from '../../src/tickets/create-ticket.js';
import { showTicket } from '../../src/tickets/queries.js';
import { describeOnDatabases, TEST_CONFIG } from '../support/databases.js';

const ALICE = 'alice@example.org';
const BENCH = join(packageRoot(), 'dist/bench/create-tickets.js');

interface BenchResult {
  created: number;
  numbers: string[];
  ms: number;
  startedAt: number;
  finishedAt: number;
}

interface BenchRun {
  /** Resolves once the process has migrated, synced and waits for the start signal. */
  ready: Promise<void>;
  start(): void;
  result: Promise<BenchResult>;
  /** Stops the process if it is still running (after a failure elsewhere). */
  kill(): void;
}

/** Starts bench/create-tickets.js with --start-on-stdin; `result` is its JSON line or rejects with its stderr. */
function startBench(env: Record<string, string>, args: string[]): BenchRun {
  const child = spawn(process.execPath, [BENCH, ...args, '--start-on-stdin'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.includes('create-tickets: ready\n')) onReady();
  });
  const result = new Promise<BenchResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`create-tickets exited with ${code}:\n${err}`));
      else resolve(JSON.parse(out.trim()) as BenchResult);
    });
  });
  return {
    ready: Promise.race([ready, result.then(() => {})]),
    start: () => child.stdin.end('go\n'),
    result,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}

const utcDay = (d: Date) => d.toISOString().slice(0, 10).replaceAll('-', '');

describeOnDatabases('ticket numbers', (h, kind) => {
  const create = async (now?: Date, subject = 'Numbered') => {
    const ctx = now ? ticketContext(h().database.db, h().tickets.settings, () => now) : h().tickets;
    const alice = await actorByEmail(h().database.db, ALICE);
    return (await createTicket(ctx, alice, { subject, departmentId: 'support', source: 'cli' })).ticket.number;
  };

  it("numbers tickets with today's UTC date and a six-digit sequence", async () => {
    const before = utcDay(new Date());
    const n = await create();
    const after = utcDay(new Date());
    expect(n).toMatch(/^\d{8}\d{6}$/);
    expect([before, after]).toContain(n.slice(0, 8));
  });

  it('starts the sequence at 000001 every UTC day and continues it within the day', async () => {
    // Far east of UTC, so that a number taken from the local date would show.
    const tz = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    onTestFinished(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });
    expect(new Date('2031-05-06T23:59:59.000Z').getDate()).toBe(7);
    const day1 = new Date('2031-05-06T23:59:59.000Z');
    const day2 = new Date('2031-05-07T00:00:00.000Z');
    expect(await create(day1)).toBe('20310506000001');
    expect(await create(day1)).toBe('20310506000002');
    expect(await create(day2)).toBe('20310507000001');
    expect(await create(new Date('2031-05-06T12:00:00Z'))).toBe('20310506000003');
    expect(await create(new Date('2031-05-07T23:00:00-02:00'))).toBe('20310508000001');
  });

  it('gives 50 concurrent creations in one process 50 distinct numbers', async () => {
    const now = new Date('2031-06-01T08:00:00Z');
    const numbers = await Promise.all(Array.from({ length: 50 }, (_, i) => create(now, `Concurrent ${i}`)));
    expect(new Set(numbers).size).toBe(50);
    expect(numbers.every((n) => /^20310601\d{6}$/.test(n))).toBe(true);
    expect([...numbers].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `20310601${String(i + 1).padStart(6, '0')}`));
  });

  it.skipIf(kind !== 'postgres')('gives 1 000 distinct numbers to 4 processes creating 250 tickets each at once', async () => {
    if (!existsSync(BENCH)) throw new Error(`${BENCH} is missing: build first (npx tsc -p tsconfig.build.json, or run vitest without THREADDESK_SKIP_BUILD)`);
    const dir = mkdtempSync(join(tmpdir(), 'threaddesk-numbering-'));
    try {
      const configPath = join(dir, 'threaddesk.yaml');
      writeFileSync(configPath, stringify(TEST_CONFIG));
      const db = h().database.db;
      const [before] = await db.select({ n: count() }).from(tickets);
      const env = { DATABASE_URL: h().url!, THREADDESK_CONFIG: configPath };
      const runs = Array.from({ length: 4 }, () => startBench(env, ['--count', '250', '--as', ALICE, '--concurrency', '4']));
      let results: BenchResult[];
      try {
        await Promise.all(runs.map((r) => r.ready));
        for (const r of runs) r.start();
        results = await Promise.all(runs.map((r) => r.result));
      } finally {
        for (const r of runs) r.kill();
      }
      const numbers = results.flatMap((r) => r.numbers);
      expect(results.map((r) => r.created)).toEqual([250, 250, 250, 250]);
      expect(new Set(numbers).size).toBe(1000);
      expect(numbers.every((n) => /^\d{14}$/.test(n))).toBe(true);
      // They really ran at the same time: every process started before any finished.
      expect(Math.max(...results.map((r) => r.startedAt))).toBeLessThan(Math.min(...results.map((r) => r.finishedAt)));
      const [after] = await db.select({ n: count() }).from(tickets);
      expect(after!.n - before!.n).toBe(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeOnDatabases(
  'ticket numbers with a prefix',
  (h) => {
    it('puts the prefix in front and finds the ticket with or without the prefix and the #', async () => {
      const alice = await actorByEmail(h().database.db, ALICE);
      const { ticket } = await createTicket(h().tickets, alice, { subject: 'Prefixed', departmentId: 'support', source: 'cli' });
      expect(ticket.number).toMatch(/^KNF#\d{8}000001$/);
      const bare = ticket.number.slice('KNF#'.length);
      for (const ref of [`#${ticket.number}`, ticket.number, `#${bare}`, bare]) {
        expect({ ref, number: (await showTicket(h().tickets, alice, ref)).number }).toEqual({ ref, number: ticket.number });
      }
      for (const line of [`show #${ticket.number}`, `show #${bare}`]) {
        const r = await runCommandAs(h().tickets, ALICE, line);
        expect({ line, number: r.ok ? r.output.show!.number : r.error.message }).toEqual({ line, number: ticket.number });
      }
      const claimed = await runCommandAs(h().tickets, ALICE, `claim #${bare}`);
      expect(claimed.ok && claimed.output.ticket!.assignee).toBe(ALICE);
      const next = await createTicket(h().tickets, alice, { subject: 'Second', departmentId: 'support', source: 'cli' });
      expect(next.ticket.number).toBe(`KNF#${bare.slice(0, 8)}000002`);
    });
  },
  { config: { ...TEST_CONFIG, tickets: { numberPrefix: 'KNF#', numberFormat: '{date}{seq:6}' } } },
);
