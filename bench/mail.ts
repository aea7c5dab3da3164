// `npm run bench:mail`: the mail intake. Prints figures, asserts nothing.
//   1. The fixture corpus (../shared/fixtures/mail, read in place) replayed ×N through
//      parse → match → store on PostgreSQL, against parsing alone on the same bytes in the same
//      run: both warmed up first, then rounds alternating the two, each pipeline compared with
//      the parse passes either side of it. Mails/s for both and their ratio (issue 3 target:
//      ≥ 0.6), and CPU per mail of this process and of the PostgreSQL server.
//   2. Mail arrival in Dovecot (IMAP APPEND) → ticket stored, with IDLE: p50/p95 (target p95 < 1 s).
// PostgreSQL: BENCH_DATABASE_URL if set, else a throwaway durable cluster (fsync on).
// BENCH_MAIL_REPLAYS (default 20), BENCH_MAIL_CONCURRENCY (default 8), BENCH_MAIL_ROUNDS (default 3),
// BENCH_MAIL_ARRIVALS (default 50).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import postgres from 'postgres';
import { parseConfig } from '../src/config/load-config.js';
import { createDb, type Database } from '../src/db/create-db.js';
import { ImapIntake } from '../src/mail/imap-intake.js';
import { ingestMail, type IntakeDeps } from '../src/mail/intake.js';
import { parseMail } from '../src/mail/parse-mail.js';
import { mailSettings } from '../src/mail/settings.js';
import { NewTicketBatcher } from '../src/mail/new-ticket-batcher.js';
import { TicketNumberBlocks } from '../src/mail/ticket-numbers.js';
import { settingsFrom } from '../src/main.js';
import { packageRoot } from '../src/paths.js';
import { syncConfig } from '../src/tickets/config-sync.js';
import { ticketContext } from '../src/tickets/context.js';
import { startDovecot } from '../tests/servers/dovecot.js';
import { startPostgres } from '../tests/servers/postgres.js';

const config = parseConfig({
  agents: [{ email: 'bench@example.org', name: 'Bench' }],
  departments: [{ id: 'support', name: 'Support', emails: ['support@example.org', 'helpdesk@example.test'], members: [{ agent: 'bench@example.org', access: 'write' }] }],
  mail: { autoReplyLimitPerHour: 1000 },
});
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

function corpus(): Buffer[] {
  const root = path.resolve(packageRoot(), '../shared/fixtures/mail');
  const dirs = ['talon', 'zammad'].map((d) => path.join(root, d)).filter((d) => existsSync(d));
  const files = dirs.flatMap((d) => readdirSync(d).filter((f) => /\.(eml|box)$/.test(f)).map((f) => path.join(d, f)));
  if (files.length === 0) {
    console.log(`no fixture corpus at ${root}: using the project's own samples (tests/mail/samples)`);
    const own = path.join(packageRoot(), 'tests/mail/samples');
    return readdirSync(own).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(path.join(own, f)));
  }
  return files.map((f) => readFileSync(f));
}

/** Replay `r` of a mail: its Message-ID and thread ids made unique to the replay (so it is a new mail, threaded as the original was). */
function replay(raw: Buffer, r: number): Buffer {
  const text = raw.toString('latin1');
  const split = text.search(/\r?\n\r?\n/);
  const head = split === -1 ? text : text.slice(0, split);
  const rewritten = head.replace(/^(Message-ID|In-Reply-To|References):([^\n]*(?:\n[ \t][^\n]*)*)/gim, (_m, name: string, value: string) => `${name}:${value.replace(/<([^<>\s]+)>/g, `<r${r}.$1>`)}`);
  const extra = /^Message-ID:/im.test(head) ? '' : `Message-ID: <r${r}.${Math.random().toString(36).slice(2)}@bench.example>\r\n`;
  return Buffer.from(extra + rewritten + (split === -1 ? '' : text.slice(split)), 'latin1');
}

async function freshDatabase(baseUrl: string, name: string): Promise<{ database: Database; url: string }> {
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name}`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  const database = await createDb({ databaseUrl: u.toString(), maxConnections: 16 });
  await database.migrate();
  await syncConfig(database.db, config);
  return { database, url: u.toString() };
}

async function throughput(baseUrl: string): Promise<void> {
  const replays = Number(process.env.BENCH_MAIL_REPLAYS ?? 20);
  const concurrency = Number(process.env.BENCH_MAIL_CONCURRENCY ?? 8);
  const rounds = Number(process.env.BENCH_MAIL_ROUNDS ?? 3);
  const base = corpus();
  const mails = Array.from({ length: replays }, (_, r) => base.map((m) => replay(m, r))).flat();

  const parseOnly = async (): Promise<{ rate: number; cpuMs: number }> => {
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    for (const m of mails) await parseMail(m);
    const cpu = process.cpuUsage(cpu0);
    return { rate: mails.length / ((performance.now() - start) / 1000), cpuMs: (cpu.user + cpu.system) / 1000 / mails.length };
  };
  const pipeline = async (round: number, batch: Buffer[]) => {
    const { database } = await freshDatabase(baseUrl, `bench_mail_${round}`);
    const tickets = ticketContext(database.db, settingsFrom(config));
    const deps: IntakeDeps = { tickets, settings: mailSettings(config, 3000), autoMail: true, numbers: new TicketNumberBlocks(tickets), newTickets: new NewTicketBatcher(tickets.db) };
    const cpu0 = process.cpuUsage();
    const server0 = postgresCpuMs();
    const start = performance.now();
    let next = 0;
    const outcomes = new Map<string, number>();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < batch.length; i = next++) {
          const r = await ingestMail(deps, batch[i]!, { source: 'smtp', recipients: ['support@example.org'] });
          outcomes.set(r.outcome, (outcomes.get(r.outcome) ?? 0) + 1);
        }
      }),
    );
    const wall = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    const server = postgresCpuMs() - server0;
    await database.close();
    return { rate: batch.length / (wall / 1000), busy: (cpu.user + cpu.system) / 1000 / wall, cpuMs: (cpu.user + cpu.system) / 1000 / batch.length, kernelMs: cpu.system / 1000 / batch.length, serverMs: server / batch.length, outcomes };
  };

  // Both sides warm before anything is timed: the parser's code reaches its optimised state
  // only after a few hundred mails, and the pipeline's own code (database driver, statement
  // building) after a hundred or more. Timing a cold side would flatter or hurt the ratio.
  for (let i = 0; i < 2; i++) await parseOnly();
  await pipeline(0, mails.slice(0, base.length * 5));

  // Then rounds of parse-only and pipeline, alternating, each pipeline compared with the parse
  // passes on either side of it: this machine's speed drifts by tens of percent within a
  // minute, and a ratio of two figures taken at different moments would measure the drift.
  console.log(`corpus: ${base.length} mails × ${replays} replays = ${mails.length} mails, ${rounds} rounds; pipeline ${concurrency} at a time, parse-only 1 at a time`);
  const ratios: number[] = [];
  let before = await parseOnly();
  for (let round = 1; round <= rounds; round++) {
    const p = await pipeline(round, mails);
    const after = await parseOnly();
    const parseRate = (before.rate + after.rate) / 2;
    const parseCpu = (before.cpuMs + after.cpuMs) / 2;
    ratios.push(p.rate / parseRate);
    console.log(`  round ${round}: parse only ${pipelineFmt(parseRate)} mails/s (${before.rate.toFixed(0)} before, ${after.rate.toFixed(0)} after)   parse → match → store ${pipelineFmt(p.rate)} mails/s   ratio ${(p.rate / parseRate).toFixed(2)}`);
    console.log(
      `           CPU per mail: this process ${p.cpuMs.toFixed(2)} ms (parsing alone ${parseCpu.toFixed(2)}; kernel ${p.kernelMs.toFixed(2)}; busy ${(p.busy * 100).toFixed(0)}% of the wall time)` +
        (Number.isFinite(p.serverMs) ? `, PostgreSQL server ${p.serverMs.toFixed(2)} ms` : '') +
        `   (${[...p.outcomes].map(([k, v]) => `${v} ${k}`).join(', ')})`,
    );
    before = after;
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(`  ratio pipeline / parse only: median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} (min ${sorted[0]!.toFixed(2)}, max ${sorted.at(-1)!.toFixed(2)}; target ≥ 0.6)`);
}

const pipelineFmt = (n: number) => n.toFixed(0).padStart(7);

/** CPU time used so far by this machine's `postgres` processes (Linux /proc), NaN elsewhere. */
function postgresCpuMs(): number {
  try {
    const tick = 1000 / 100; // USER_HZ is 100 on Linux
    let total = 0;
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

async function arrival(baseUrl: string): Promise<void> {
  const n = Number(process.env.BENCH_MAIL_ARRIVALS ?? 50);
  const user = 'helpdesk@example.test';
  const dovecot = await startDovecot([{ user, password: 'secret' }]);
  const { database } = await freshDatabase(baseUrl, 'bench_mail_arrival');
  const stored = new Map<string, number>();
  let notify: (() => void) | null = null;
  const deps: IntakeDeps = { tickets: ticketContext(database.db, settingsFrom(config)), settings: mailSettings(config, 3000), autoMail: true };
  const intake = new ImapIntake({ url: `imap://${encodeURIComponent(user)}:secret@${dovecot.host}:${dovecot.port}/INBOX`, departmentId: 'support' }, deps, {
    pollSeconds: 300, // far above the figures: whatever arrives quickly came through IDLE
    logger: quiet,
    afterIngest: (r) => {
      if (r.ticketNumber) stored.set(r.ticketNumber, performance.now());
      notify?.();
    },
  });
  intake.start();
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: 'secret' }, logger: false });
  await client.connect();
  await new Promise((r) => setTimeout(r, 1_000)); // let the intake connect and enter IDLE
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = stored.size;
    const raw = Buffer.from(`From: c${i}@customer.example\r\nTo: ${user}\r\nSubject: Arrival ${i}\r\nMessage-ID: <arrival-${i}-${Date.now()}@bench.example>\r\n\r\nHello ${i}\r\n`);
    const appendedAt = performance.now();
    const done = new Promise<void>((resolve) => (notify = () => stored.size > before && resolve()));
    await client.append('INBOX', raw);
    await Promise.race([done, new Promise((r) => setTimeout(r, 30_000))]);
    latencies.push(Math.max(...stored.values()) - appendedAt);
    await new Promise((r) => setTimeout(r, 50));
  }
  await client.logout();
  await intake.stop();
  await database.close();
  await dovecot.stop();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  console.log(`Dovecot arrival → ticket stored (IDLE, ${n} mails one at a time): p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${q(1).toFixed(0)} ms`);
}

async function main(): Promise<void> {
  let pgUrl = process.env.BENCH_DATABASE_URL ?? null;
  let server: { stop(): Promise<void> } | null = null;
  if (!pgUrl) {
    const started = await startPostgres({ durable: true });
    server = started;
    pgUrl = started.url;
  }
  console.log(`threaddesk mail bench — PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'from BENCH_DATABASE_URL' : 'throwaway cluster, fsync on'}`);
  try {
    await throughput(pgUrl);
    try {
      await arrival(pgUrl);
    } catch (err) {
      console.log(`arrival figures skipped: ${err instanceof Error ? err.message : String(err)}`);
    }
  } finally {
    await server?.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
