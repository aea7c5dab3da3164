// `threaddesk start` end to end: zero-config embedded start, health/readiness/metrics, the CLI
// through the running server's control endpoint, graceful SIGTERM, restart on the same data;
// and on PostgreSQL: migrate, start and cmd without a control file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupCli, cmd, jsonOut, runCli, sandbox, startServer, type RunningServer, type Sandbox } from '../support/cli.js';
import { createPostgresDatabase } from '../support/databases.js';
import { postgresUrlForTests } from '../support/postgres-url.js';

const ADMIN = 'admin@threaddesk.test';

afterAll(cleanupCli);

async function metrics(server: RunningServer): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** The value of one sample line, e.g. `threaddesk_tickets{status="open"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('threaddesk start with no configuration (embedded database in ./data)', () => {
  // No config file, no DATABASE_URL, THREADDESK_DATA unset: everything defaults inside cwd.
  let sb: Sandbox;
  let server: RunningServer;
  let number = '';
  const control = () => path.join(sb.dir, 'data', 'control.json');

  it('answers GET /healthz with 200 within 60 seconds', async () => {
    sb = sandbox({ dataDir: false });
    server = await startServer(sb, { timeoutMs: 60_000 });
    expect(server.startedInMs).toBeLessThan(60_000);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(existsSync(path.join(sb.dir, 'data', 'pglite'))).toBe(true);
    expect(existsSync(control())).toBe(true);
  }, 90_000);

  it('is ready with the database ok', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ database: 'ok' });
  });

  it('serves Prometheus metrics for tickets and the outbox', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE threaddesk_tickets gauge$/m);
    expect(text).toMatch(/^# TYPE threaddesk_outbox_depth gauge$/m);
    expect(text).toMatch(/^# TYPE threaddesk_outbox_deliveries_total counter$/m);
    expect(sample(text, 'threaddesk_tickets{status="open"}')).toBe(0);
  });

  it('runs threaddesk cmd through the running server, which then counts the ticket', async () => {
    const r = await cmd(sb, ADMIN, 'new Test from CLI');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /#(\d{14})\b/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    number = m![1]!;
    // The gauge is read from the server's own database handle: it only sees the ticket if the
    // command ran inside the server (a second PGlite on the same files would not be seen).
    expect(sample(await metrics(server), 'threaddesk_tickets{status="open"}')).toBe(1);
  }, 60_000);

  it('refuses to start a second server on the same data directory', async () => {
    const r = await runCli(sb, ['start'], { env: { PORT: '0' }, timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/in use by a running threaddesk server \(pid \d+/);
    // The first server is untouched: still ready and still the one the CLI talks to.
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(JSON.parse(readFileSync(control(), 'utf8'))).toMatchObject({ pid: server.pid, port: server.port });
  }, 60_000);

  it('refuses the control endpoint without the token', async () => {
    const body = JSON.stringify({ as: ADMIN, line: 'new Sneaky' });
    const headers = { 'content-type': 'application/json' };
    const none = await fetch(`${server.url}/internal/v1/cmd`, { method: 'POST', headers, body });
    expect(none.status).toBe(401);
    const wrong = await fetch(`${server.url}/internal/v1/cmd`, { method: 'POST', headers: { ...headers, authorization: 'Bearer nope' }, body });
    expect(wrong.status).toBe(401);
    expect(sample(await metrics(server), 'threaddesk_tickets{status="open"}')).toBe(1);
  });

  it('exits 0 on SIGTERM within 20 seconds and removes data/control.json', async () => {
    const exit = await server.stop('SIGTERM', 20_000);
    expect(exit.timedOut, `still running after SIGTERM\n${server.output().stdout.slice(-2000)}`).toBe(false);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(existsSync(control())).toBe(false);
    // stderr carries the start-up banner for people; nothing on it may be an error.
    expect(server.output().stderr).not.toMatch(/error|exception|unhandled/i);
  }, 30_000);

  it('keeps the ticket across a restart on the same data directory', async () => {
    server = await startServer(sb, { timeoutMs: 60_000 });
    const list = await cmd(sb, ADMIN, 'list', { json: true });
    expect(list.code).toBe(0);
    const tickets = jsonOut<{ number: string; subject: string; status: string }[]>(list);
    expect(tickets).toEqual([expect.objectContaining({ number, subject: 'Test from CLI', status: 'open' })]);
    expect(sample(await metrics(server), 'threaddesk_tickets{status="open"}')).toBe(1);
  }, 120_000);

  it('runs threaddesk cmd directly after the server was killed, clearing its stale control file', async () => {
    const exit = await server.stop('SIGKILL', 10_000);
    expect(exit.signal).toBe('SIGKILL');
    expect(existsSync(control())).toBe(true);
    const list = await cmd(sb, ADMIN, 'list', { json: true });
    expect(list.code, list.stderr).toBe(0);
    expect(jsonOut<{ number: string }[]>(list).map((t) => t.number)).toEqual([number]);
    expect(existsSync(control())).toBe(false);
  }, 60_000);
});

const pgBase = postgresUrlForTests();

describe.skipIf(pgBase === null)('threaddesk on PostgreSQL (DATABASE_URL)', () => {
  let sb: Sandbox;
  let server: RunningServer;
  const control = () => path.join(sb.dir, 'data', 'control.json');

  it('migrates the database with threaddesk migrate', async () => {
    const url = await createPostgresDatabase(pgBase!);
    sb = sandbox({ env: { DATABASE_URL: url } });
    const r = await runCli(sb, ['migrate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/up to date.*postgres/i);
  }, 60_000);

  it('starts, is ready and writes no control file', async () => {
    server = await startServer(sb, { timeoutMs: 60_000 });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(existsSync(control())).toBe(false);
    // The control endpoint is only for the embedded database.
    const res = await fetch(`${server.url}/internal/v1/cmd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
  }, 90_000);

  it('runs threaddesk cmd directly on the database while the server runs', async () => {
    const created = await cmd(sb, ADMIN, 'new Printer on fire', { json: true });
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const t = jsonOut<{ number: string; status: string }>(created);
    expect(t.status).toBe('open');
    const claimed = jsonOut<{ status: string; assignee: string }>(await cmd(sb, ADMIN, `claim #${t.number}`, { json: true }));
    expect(claimed).toMatchObject({ status: 'in_progress', assignee: ADMIN });
    const text = await metrics(server);
    expect(sample(text, 'threaddesk_tickets{status="in_progress"}')).toBe(1);
    const exit = await server.stop('SIGTERM', 20_000);
    expect(exit).toMatchObject({ code: 0, timedOut: false });
  }, 90_000);
});
