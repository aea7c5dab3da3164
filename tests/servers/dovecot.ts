/**
 * An unprivileged Dovecot IMAP server for tests, on a free 127.0.0.1 port, all state in a temp dir.
 * As root it runs as the system user `mailtest` (created with `useradd -r` if missing);
 * otherwise as the current user. Plaintext auth, no TLS, maildir under `<dir>/mail/<user>`.
 *
 *   const imap = await startDovecot([{ user: 'helpdesk@example.test', password: 'secret' }]);
 *   new ImapFlow({ host: imap.host, port: imap.port, secure: false, auth: { user, pass } });
 *   await imap.stop();   // stops the server and removes imap.dir
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findDovecot, isRoot, serverAvailability, userExists } from './availability.js';
import { freePort } from './postgres.js';

export interface DovecotUser {
  user: string;
  password: string;
}

export interface RunningDovecot {
  host: string;
  port: number;
  /** The temp dir with config, logs (`dovecot.log`) and mail (`mail/<user>/Maildir`). */
  dir: string;
  stop(): Promise<void>;
}

const MAIL_USER = 'mailtest';

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${[cmd, ...args].join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout + stderr);
    });
  });
}

/**
 * Run a daemonizing command and wait for its exit status only: the daemon keeps inherited
 * pipes open, so output goes to a file (`outFile`) instead of pipes we would wait on.
 */
function runDaemon(cmd: string, args: string[], cwd: string, outFile: string): Promise<void> {
  const fd = openSync(outFile, 'a');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', fd, fd] });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        let out = '';
        try {
          out = readFileSync(outFile, 'utf8');
        } catch {
          /* none */
        }
        reject(new Error(`${[cmd, ...args].join(' ')} exited with ${signal ?? code}\n${out}`.trim()));
      }
    });
  }).finally(() => closeSync(fd));
}

function idOf(user: string, flag: '-u' | '-g' | '-un' | '-gn'): string {
  const args = user ? [flag, user] : [flag];
  const r = spawnSync('id', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`id ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

// Dovecot's config parser wants each `{` at the end of its line.
function config(o: { dir: string; port: number; user: string; group: string; uid: string; gid: string }): string {
  const d = o.dir;
  return `# written by tests/servers/dovecot.ts
protocols = imap
listen = 127.0.0.1
base_dir = ${d}/run
state_dir = ${d}/state
log_path = ${d}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = ${o.user}
default_internal_group = ${o.group}
default_login_user = ${o.user}
first_valid_uid = ${o.uid}
first_valid_gid = ${o.gid}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${d}/users
}
userdb {
  driver = static
  args = uid=${o.uid} gid=${o.gid} home=${d}/mail/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${o.port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
`;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A zombie (exited, not yet reaped by its new parent) counts as gone.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

function readPid(dir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dir, 'run', 'master.pid'), 'utf8').trim());
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startDovecot(users: DovecotUser[]): Promise<RunningDovecot> {
  const bins = findDovecot();
  if (!bins) throw new Error(`cannot start Dovecot: ${serverAvailability('dovecot').reason}`);
  for (const u of users) {
    if (/[:\s]/.test(u.user) || /[:\n]/.test(u.password)) {
      throw new Error(`startDovecot: user names may not contain ':' or spaces, passwords no ':' (${u.user})`);
    }
  }

  const root = isRoot();
  if (root && !userExists(MAIL_USER)) {
    await run('useradd', ['-r', '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', MAIL_USER], '/');
  }
  const who = root ? MAIL_USER : '';
  const ids = { user: idOf(who, '-un'), group: idOf(who, '-gn'), uid: idOf(who, '-u'), gid: idOf(who, '-g') };

  const dir = mkdtempSync(path.join(os.tmpdir(), 'threaddesk-dovecot-'));
  const cleanupSync = (): void => {
    const pid = readPid(dir);
    if (pid && alive(pid)) killGroup(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanupSync);

  try {
    for (const sub of ['run', 'state', 'mail']) mkdirSync(path.join(dir, sub));
    writeFileSync(path.join(dir, 'users'), users.map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join(''));
    if (root) {
      const [uid, gid] = [Number(ids.uid), Number(ids.gid)];
      chownSync(dir, uid, gid);
      for (const f of readdirSync(dir)) chownSync(path.join(dir, f), uid, gid);
    }
    const conf = path.join(dir, 'dovecot.conf');
    const log = path.join(dir, 'dovecot.log');
    const cmd: [string, string[]] = root
      ? ['runuser', ['-u', MAIL_USER, '--', bins.dovecot, '-c', conf]]
      : [bins.dovecot, ['-c', conf]];

    const readLog = (): string => {
      try {
        return readFileSync(log, 'utf8');
      } catch {
        return '';
      }
    };

    // Start on a fresh free port; true when it listens, false when the port was taken meanwhile.
    const tryStart = async (port: number): Promise<boolean> => {
      writeFileSync(conf, config({ dir, port, ...ids }));
      try {
        await runDaemon(...cmd, dir, path.join(dir, 'start.out')); // forks into the background once bound
      } catch (err) {
        const text = `${(err as Error).message}\n--- ${log} ---\n${readLog()}`;
        if (/address already in use/i.test(text)) return false;
        throw new Error(text);
      }
      const deadline = Date.now() + 10_000;
      while (!(await canConnect(port))) {
        if (Date.now() > deadline) {
          const pid = readPid(dir);
          if (pid && alive(pid)) killGroup(pid);
          throw new Error(`Dovecot did not accept connections on 127.0.0.1:${port}\n--- ${log} ---\n${readLog()}`);
        }
        await sleep(20);
      }
      return true;
    };

    let port = await freePort();
    for (let attempt = 1; !(await tryStart(port)); attempt++) {
      if (attempt >= 3) throw new Error(`Dovecot could not bind a free port\n--- ${log} ---\n${readLog()}`);
      port = await freePort();
    }

    let stopped = false;
    return {
      host: '127.0.0.1',
      port,
      dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', cleanupSync);
        // A graceful SIGTERM makes the master linger 1-8 s; a test server has nothing to flush,
        // so kill its whole process group (the master is a session leader after daemonizing).
        const pid = readPid(dir);
        if (pid && alive(pid)) {
          killGroup(pid);
          const until = Date.now() + 5_000;
          while (alive(pid) && Date.now() < until) await sleep(10);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    process.removeListener('exit', cleanupSync);
    cleanupSync();
    throw err;
  }
}
