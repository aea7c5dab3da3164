/**
 * Spawning the real `threaddesk` CLI (`node bin/threaddesk.js …`, which runs the dist/ build
 * made by global setup) in a sandbox: its own temp dir as cwd, THREADDESK_DATA / THREADDESK_CONFIG
 * / PORT / LOG_LEVEL set explicitly, and none of the caller's THREADDESK_* or DATABASE_URL.
 *
 *   const sb = sandbox({ config: YAML_TEXT });            // temp dir, data dir, config file
 *   const r = await runCli(sb, ['cmd', '--as', 'a@b.c', 'list']);   // { code, stdout, stderr }
 *   const server = await startServer(sb);                 // `threaddesk start`, waits for /healthz
 *   const exit = await server.stop();                     // SIGTERM, bounded wait
 *   afterAll(cleanupCli);                                 // kills leftovers, removes temp dirs
 *
 * Every wait is bounded; a process still running at `cleanupCli` is killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../servers/postgres.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(REPO_ROOT, 'bin', 'threaddesk.js');

export interface Sandbox {
  /** The cwd of every process spawned in this sandbox. */
  dir: string;
  /** Environment overrides; `undefined` removes a variable. */
  env: Record<string, string | undefined>;
}

export interface SandboxOptions {
  /** YAML text written to <dir>/threaddesk.yaml and named by THREADDESK_CONFIG. */
  config?: string;
  /** Set THREADDESK_DATA to <dir>/data (default true); false leaves it unset (the default ./data). */
  dataDir?: boolean;
  env?: Record<string, string | undefined>;
}

const tempDirs: string[] = [];
const children = new Set<ChildProcess>();

export function sandbox(options: SandboxOptions = {}): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'threaddesk-cli-'));
  tempDirs.push(dir);
  const env: Record<string, string | undefined> = { LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  if (options.dataDir !== false) env.THREADDESK_DATA = path.join(dir, 'data');
  if (options.config !== undefined) {
    const file = path.join(dir, 'threaddesk.yaml');
    writeFileSync(file, options.config);
    env.THREADDESK_CONFIG = file;
  }
  return { dir, env: { ...env, ...options.env } };
}

/** The environment of a spawned CLI: ours minus anything threaddesk reads, plus the sandbox's. */
function envFor(sb: Sandbox, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith('THREADDESK_') || ['DATABASE_URL', 'PORT', 'HOST', 'LOG_LEVEL', 'SMTP_LISTEN', 'SMTP_URL', 'IMAP_URL'].includes(key)) delete env[key];
  }
  for (const [key, value] of Object.entries({ ...sb.env, ...extra })) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnCli(sb: Sandbox, args: string[], extraEnv?: Record<string, string | undefined>): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: sb.dir, env: envFor(sb, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the exit code and signal once the child has exited, or null after `ms`. */
function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(null);
    }, ms);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal });
    };
    child.once('exit', onExit);
  });
}

function collect(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { stdout: () => stdout, stderr: () => stderr };
}

/** Runs `threaddesk <args…>` to completion (killed and rejected after `timeoutMs`). */
export async function runCli(sb: Sandbox, args: string[], options: { timeoutMs?: number; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const child = spawnCli(sb, args, options.env);
  const out = collect(child);
  const done = await exited(child, timeoutMs);
  if (!done) {
    child.kill('SIGKILL');
    await exited(child, 5_000);
    throw new Error(`threaddesk ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout: ${out.stdout()}\nstderr: ${out.stderr()}`);
  }
  // 'exit' can come before the pipes are drained; give them a moment.
  await new Promise((r) => setImmediate(r));
  return { ...done, stdout: out.stdout(), stderr: out.stderr() };
}

/** `threaddesk cmd --as <who> [--json] "<line>"`. */
export function cmd(sb: Sandbox, as: string, line: string, options: { json?: boolean } = {}): Promise<CliResult> {
  return runCli(sb, ['cmd', '--as', as, ...(options.json ? ['--json'] : []), line]);
}

/** Parses stdout of a `--json` run, failing with the whole output when it is not JSON. */
export function jsonOut<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
}

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  /** Milliseconds from spawn until /healthz answered 200. */
  startedInMs: number;
  output(): { stdout: string; stderr: string };
  /** Sends `signal` and waits up to `timeoutMs`; null exit = still running (then it was SIGKILLed). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; timedOut: boolean }>;
}

/** `threaddesk start` on a free port; resolves once GET /healthz answers 200 (bounded). */
export async function startServer(sb: Sandbox, options: { timeoutMs?: number; env?: Record<string, string | undefined> } = {}): Promise<RunningServer> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const port = await freePort();
  const t0 = Date.now();
  const child = spawnCli(sb, ['start'], { LOG_LEVEL: 'info', ...options.env, PORT: String(port) });
  const out = collect(child);
  const url = `http://127.0.0.1:${port}`;
  const describe = () => `stdout: ${out.stdout().slice(-4000)}\nstderr: ${out.stderr().slice(-4000)}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`threaddesk start exited early (code ${child.exitCode}, signal ${child.signalCode})\n${describe()}`);
    }
    if (Date.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      await exited(child, 5_000);
      throw new Error(`threaddesk start did not answer /healthz within ${timeoutMs} ms\n${describe()}`);
    }
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const startedInMs = Date.now() - t0;
  return {
    url,
    port,
    pid: child.pid!,
    startedInMs,
    output: () => ({ stdout: out.stdout(), stderr: out.stderr() }),
    stop: async (signal = 'SIGTERM', stopTimeoutMs = 20_000) => {
      const s0 = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const done = await exited(child, stopTimeoutMs);
      if (done) return { ...done, ms: Date.now() - s0, timedOut: false };
      child.kill('SIGKILL');
      await exited(child, 5_000);
      return { code: null, signal: null, ms: Date.now() - s0, timedOut: true };
    },
  };
}

/** Kills every CLI process still running (SIGKILL, bounded wait) and removes the temp dirs. */
export async function cleanupCli(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      child.kill('SIGKILL');
      await exited(child, 5_000);
    }),
  );
  children.clear();
  for (const dir of tempDirs.splice(0)) {
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}
