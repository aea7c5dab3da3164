// `npm run bench:slack`: Slack against the wire-level double. Prints figures, asserts nothing.
//  1. signed `/ticket show` slash commands at 50 requests/s for 30 s (BENCH_SLACK_SECONDS):
//     time until our server acks, p50/p99 (Slack's hard limit is 3 s)
//  2. a 500-ticket burst into one channel (BENCH_SLACK_BURST) while the double allows 50
//     chat.postMessage calls per second: total time against the minimum that limit allows,
//     with drops and duplicates counted
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../src/config/load-config.js';
import { startThreaddesk } from '../src/main.js';
import { actorByEmail } from '../src/tickets/actors.js';
import { createTicket } from '../src/tickets/create-ticket.js';
import { SlackDouble, signedSlackRequest } from '../tests/doubles/slack-double.js';
import { startPostgres } from '../tests/servers/postgres.js';

const SECRET = 'bench-secret';
const CHANNEL = 'C0BENCH';
const AGENT = 'U0AGENT';
const PER_SECOND = Number(process.env.BENCH_SLACK_LIMIT ?? 50);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SLACK_SECONDS ?? 30);
  const burst = Number(process.env.BENCH_SLACK_BURST ?? 500);
  const double = await SlackDouble.start();
  double.addUser({ id: AGENT, name: 'agent', email: 'agent@example.org' });
  double.addChannel({ id: CHANNEL, name: 'bench', members: [AGENT] });
  const dataDir = mkdtempSync(join(tmpdir(), 'threaddesk-bench-slack-'));
  const config = parseConfig({
    agents: [{ email: 'agent@example.org', name: 'Agent', slack: AGENT }],
    departments: [{ id: 'support', name: 'Support', channels: { slack: CHANNEL }, members: [{ agent: 'agent@example.org', access: 'write' }] }],
  });
  // PostgreSQL when it can be started: PGlite runs queries on the event loop, which would be
  // measured as ack latency. BENCH_DATABASE_URL points at an existing server instead.
  let pg: { url: string; stop(): Promise<void> } | null = null;
  let databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) {
    try {
      pg = await startPostgres({ durable: true });
      databaseUrl = pg.url;
    } catch (err) {
      console.log(`(PostgreSQL unavailable, using PGlite: ${err instanceof Error ? err.message : String(err)})`);
    }
  }
  console.log(`database: ${databaseUrl ? 'PostgreSQL' : 'PGlite'}`);
  const td = await startThreaddesk({
    env: { port: 0, host: '127.0.0.1', dataDir, databaseUrl, logLevel: 'error', slack: { botToken: double.botToken, signingSecret: SECRET, apiUrl: double.apiUrl } },
    config,
    logger: pino({ level: 'error' }),
  });
  const url = `http://127.0.0.1:${td.port}/slack/events`;
  const agent = await actorByEmail(td.database.db, 'agent@example.org');
  const { ticket } = await createTicket(td.tickets, agent, { subject: 'Bench', departmentId: 'support', source: 'cli' });

  // 1. Ack latency at a steady 50 requests per second.
  const latencies: number[] = [];
  let failures = 0;
  const inflight: Promise<void>[] = [];
  const total = seconds * 50;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + i * 20;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const body = new URLSearchParams({ command: '/ticket', text: `show #${ticket.number}`, user_id: AGENT, channel_id: CHANNEL, team_id: double.team.id, trigger_id: double.issueTrigger(AGENT), response_url: double.issueResponseUrl(AGENT, CHANNEL) });
    const sent = performance.now();
    inflight.push(
      signedSlackRequest(url, SECRET, body).then(
        (r) => {
          if (r.status !== 200) failures++;
          latencies.push(performance.now() - sent);
        },
        () => {
          failures++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  console.log(`slash commands: ${total} at 50/s for ${seconds} s — ack p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms, non-200 ${failures}`);

  // 2. Burst under the double's rate limit.
  const before = new Set(double.messages.map((m) => m.ts));
  double.rateLimit(PER_SECOND, 'method+channel');
  const numbers: string[] = [];
  // The tickets exist first; what is measured is getting their threads into Slack.
  await td.worker.stop();
  for (let i = 0; i < burst; i++) numbers.push((await createTicket(td.tickets, agent, { subject: `Burst ${i}`, departmentId: 'support', source: 'cli' })).ticket.number);
  const burstStart = performance.now();
  td.worker.start();
  const cards = () => double.messages.filter((m) => !before.has(m.ts) && !m.threadTs && m.text.includes('Burst'));
  for (let i = 0; i < 6_000 && cards().length < burst; i++) await sleep(50);
  const elapsed = (performance.now() - burstStart) / 1000;
  const posted = cards().map((m) => numbers.find((n) => m.text.includes(n)));
  const distinct = new Set(posted).size;
  const inOrder = posted.every((n, i) => n === numbers[i]);
  const minimum = burst / PER_SECOND;
  console.log(
    `burst: ${burst} threads in ${elapsed.toFixed(1)} s; the limit (${PER_SECOND}/s) allows ${minimum.toFixed(1)} s at best → ${(elapsed / minimum).toFixed(2)}×; ` +
      `drops ${burst - distinct}, duplicates ${posted.length - distinct}, in order: ${inOrder}, 429s answered ${double.calls.filter((c) => c.status === 429).length}`,
  );
  await td.stop();
  await double.close();
  await pg?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
