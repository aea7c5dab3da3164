// PGlite admits one process per data directory. The server claims the directory with
// `control.json` before it opens the database and, once listening, publishes there how the CLI
// reaches it (port + token). The CLI and a second server read it to know the database is taken.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from './config/env.js';

export interface ControlInfo {
  pid: number;
  /** Null while the server is still starting. */
  port: number | null;
  token: string | null;
}

export const controlFile = (env: Env) => join(env.dataDir, 'control.json');

export function readControl(env: Env): ControlInfo | null {
  try {
    return JSON.parse(readFileSync(controlFile(env), 'utf8')) as ControlInfo;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live server (other than us) holding the data directory; a dead one's file is removed. */
export function liveServer(env: Env): ControlInfo | null {
  const info = readControl(env);
  if (!info || info.pid === process.pid) return null;
  if (isAlive(info.pid)) return info;
  rmSync(controlFile(env), { force: true });
  return null;
}

function write(env: Env, info: ControlInfo, exclusive: boolean): void {
  mkdirSync(env.dataDir, { recursive: true });
  writeFileSync(controlFile(env), JSON.stringify(info), { mode: 0o600, flag: exclusive ? 'wx' : 'w' });
  chmodSync(controlFile(env), 0o600);
}

/** Claims the directory for this process; false when another live server has it. */
export function claimDataDir(env: Env): ControlInfo | null {
  const other = liveServer(env);
  if (other) return other;
  try {
    write(env, { pid: process.pid, port: null, token: null }, true);
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Someone claimed it between our check and our write.
    return liveServer(env) ?? { pid: -1, port: null, token: null };
  }
}

export function publishControl(env: Env, port: number, token: string): void {
  write(env, { pid: process.pid, port, token }, false);
}

export function releaseDataDir(env: Env): void {
  if (readControl(env)?.pid === process.pid) rmSync(controlFile(env), { force: true });
}
