/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, start on a free
 * 127.0.0.1 port with fsync=off, create database `app` owned by role `app` (trust auth).
 * As root the server runs as the `postgres` user via runuser (initdb refuses root).
 *
 *   const pg = await startPostgres();   // pg.url = postgres://app@127.0.0.1:PORT/app
 *   await pg.stop();                    // stops the server and removes the temp dir
 */
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findPgBin, isRoot, serverAvailability, userExists } from './availability.js';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${[cmd, ...args].join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      } else {
        resolve(stdout + stderr);
      }
    });
  });
}

/** `durable: true` keeps fsync and synchronous commit on, for benchmarks that count commits. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<RunningPostgres> {
  const pgbin = findPgBin();
  if (!pgbin) throw new Error(`cannot start PostgreSQL: ${serverAvailability('postgres').reason}`);
  const root = isRoot();
  if (root && !userExists('postgres')) {
    throw new Error('cannot start PostgreSQL as root: no "postgres" user to run it as (initdb refuses root)');
  }
  // As root, every server-side command runs as `postgres`.
  const asServer = (tool: string, args: string[]): [string, string[]] =>
    root ? ['runuser', ['-u', 'postgres', '--', path.join(pgbin, tool), ...args]] : [path.join(pgbin, tool), args];

  const dir = mkdtempSync(path.join(os.tmpdir(), 'threaddesk-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'pg.log');
  if (root) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, uid, gid);
  }

  let started = false;
  const stopSync = (): void => {
    // Last resort if the process exits without stop(): immediate shutdown, remove files.
    if (started) {
      const [cmd, args] = asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(cmd, args, { cwd: dir, stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopSync);

  try {
    await run(
      ...asServer('initdb', ['-D', data, '-U', 'app', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']),
      dir,
    );
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const opts = [
        `-p ${port}`,
        `-k ${dir}`,
        '-c listen_addresses=127.0.0.1',
        ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      ].join(' ');
      try {
        await run(...asServer('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', '-o', opts, 'start']), dir);
        started = true;
        break;
      } catch (err) {
        // Someone may have taken the port between freePort() and the bind: try another.
        let logText = '';
        try {
          logText = readFileSync(log, 'utf8');
        } catch {
          /* no log yet */
        }
        if (attempt < 3 && /could not (bind|create listen)|already in use/i.test(logText)) continue;
        throw new Error(`${(err as Error).message}\n--- ${log} ---\n${logText}`);
      }
    }
    await run(path.join(pgbin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'app', 'app'], dir);

    let stopped = false;
    return {
      url: `postgres://app@127.0.0.1:${port}/app`,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', stopSync);
        try {
          await run(...asServer('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']), dir);
        } finally {
          started = false;
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    process.removeListener('exit', stopSync);
    stopSync();
    throw err;
  }
}
