// The zero-config demo as a newcomer meets it: `threaddesk start` with no configuration prints
// the admin's first password once and a mail command; that command makes a ticket the console
// shows, with the acknowledgement in the captured mailbox; `agent invite` works beside it.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupCli, runCli, sandbox, startServer, type RunningServer, type Sandbox } from '../support/cli.js';
import { CookieJar, hiddenValue } from './support/in-process.js';

afterAll(cleanupCli);

const ADMIN = 'admin@threaddesk.test';

async function logIn(server: RunningServer, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const form = await (await jar.fetch(`${server.url}/login`)).text();
  const res = await jar.fetch(`${server.url}/login`, { method: 'POST', body: new URLSearchParams({ _csrf: hiddenValue(form, '_csrf'), email: ADMIN, password, next: '' }) });
  expect(res.status).toBe(303);
  let code: string | undefined;
  const deadline = Date.now() + 10_000;
  while (!(code = /login code for admin@threaddesk\.test: (\d{6})/.exec(server.output().stderr)?.[1]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const codeForm = await (await jar.fetch(`${server.url}/login/code`)).text();
  const done = await jar.fetch(`${server.url}/login/code`, { method: 'POST', body: new URLSearchParams({ _csrf: hiddenValue(codeForm, '_csrf'), code: code! }) });
  expect(done.status).toBe(303);
  return jar;
}

describe('the embedded demo without configuration', () => {
  let sb: Sandbox;
  let server: RunningServer;
  let password = '';

  it('prints the console address, the first admin password and a mail command', async () => {
    sb = sandbox({ dataDir: false, env: { SMTP_LISTEN: '127.0.0.1:0' } });
    server = await startServer(sb);
    const banner = server.output().stderr;
    expect(banner).toMatch(/Web console:\s+http:\/\/localhost:\d+\/console/);
    password = /First login:\s+admin@threaddesk\.test\s+password: (\S+)/.exec(banner)?.[1] ?? '';
    expect(password, banner).toMatch(/^\w{4}-\w{4}-\w{4}-\w{4}$/);
  }, 90_000);

  it('turns the printed mail command into a ticket in the console, with the acknowledgement in the mailbox', async () => {
    const command = server.output().stderr.split('\n').find((l) => l.trim().startsWith('printf '))!;
    expect(command).toContain('curl');
    execFileSync('bash', ['-c', command.trim()], { timeout: 20_000 });
    const jar = await logIn(server, password);
    await expect
      .poll(async () => (await (await jar.fetch(`${server.url}/console?view=all`)).text()).includes('Printer jammed'), { timeout: 15_000 })
      .toBe(true);
    await expect
      .poll(async () => (await (await jar.fetch(`${server.url}/console/mailbox`)).text()).includes('you@example.org'), { timeout: 15_000 })
      .toBe(true);
  });

  it('sends an invite through the running server, and the link opens the password form', async () => {
    const r = await runCli(sb, ['agent', 'invite', ADMIN, '--print']);
    expect(r.code, r.stderr).toBe(0);
    const link = /http:\/\/localhost:\d+(\/invite\/\S+)/.exec(r.stdout)?.[1];
    expect(link, r.stdout).toBeDefined();
    const page = await (await fetch(`${server.url}${link}`)).text();
    expect(page).toContain('id="f-password"');
    const unknown = await runCli(sb, ['agent', 'invite', 'nobody@threaddesk.test']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No agent with email nobody@threaddesk.test');
  });

  it('prints the password only on the first start', async () => {
    expect((await server.stop()).timedOut).toBe(false);
    const direct = await runCli(sb, ['agent', 'invite', ADMIN]);
    expect(direct.code, direct.stderr).toBe(0);
    server = await startServer(sb);
    const banner = server.output().stderr;
    expect(banner).toContain('Web console:');
    expect(banner).not.toContain('First login:');
    expect(banner).not.toContain(password);
    await logIn(server, password);
    await server.stop();
  }, 90_000);
});
