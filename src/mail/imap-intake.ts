// IMAP intake for one mailbox (imapflow): IDLE for new mail with a poll fallback, reconnect with
// bounded backoff. Each mail is stored together with the mailbox checkpoint (UIDVALIDITY + last
// UID) in one transaction, so a restart neither skips nor repeats a mail; only after the commit
// is it flagged \Seen (and moved, if configured). A crash in between is caught up on reconnect.
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { ingestMail, recordUnreadable, type IntakeDeps, type IntakeResult } from './intake.js';
import { readCheckpoint } from './mail-ledger.js';

export interface MailboxSpec {
  /** imap://user:pass@host:port/INBOX or imaps://… */
  url: string;
  departmentId: string;
}

export interface MailboxLock {
  /** True while this process may poll the mailbox (re-checked before every sync). */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

export interface ImapIntakeOptions {
  pollSeconds: number;
  processedFolder?: string;
  /** Several replicas on PostgreSQL: only the holder of the lock polls. */
  lock?: MailboxLock;
  logger: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  afterIngest?(result: IntakeResult): void;
}

interface Checkpoint extends Record<string, unknown> {
  uidValidity: string;
  lastUid: number;
}

export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  path: string;
}

/** A client for the target's account; `options` adds timeouts or IDLE tuning. */
export function imapClient(target: ImapTarget, options: Partial<ImapFlowOptions> = {}): ImapFlow {
  return new ImapFlow({ host: target.host, port: target.port, secure: target.secure, auth: { user: target.user, pass: target.pass }, logger: false, ...options });
}

export function parseImapUrl(url: string): ImapTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new DomainError('config', 'An IMAP URL must look like imaps://user:password@host:993/INBOX.');
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:') throw new DomainError('config', `An IMAP URL must start with imap:// or imaps://, got ${u.protocol}//.`);
  if (!u.username) throw new DomainError('config', `The IMAP URL for ${u.hostname} has no user name.`);
  const secure = u.protocol === 'imaps:';
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    path: decodeURIComponent(u.pathname.replace(/^\/+/, '')) || 'INBOX',
  };
}

const BATCH = 25;
const MAX_BACKOFF_MS = 60_000;
/** A mail that fails this often (not a parse error: those are recorded) is set aside so the mailbox moves on. */
const MAX_FAILURES_PER_MAIL = 3;

export class ImapIntake {
  readonly target: ImapTarget;
  readonly checkpointKey: string;
  private running = false;
  private loop: Promise<void> | null = null;
  private client: ImapFlow | null = null;
  private wake: (() => void) | null = null;
  private pending = false;
  private readonly failures = new Map<number, number>();

  constructor(
    private readonly spec: MailboxSpec,
    private readonly deps: IntakeDeps,
    private readonly options: ImapIntakeOptions,
  ) {
    this.target = parseImapUrl(spec.url);
    this.checkpointKey = `imap:${this.target.user}@${this.target.host}:${this.target.port}/${this.target.path}`;
  }

  get label(): string {
    return `${this.target.user}@${this.target.host}:${this.target.port}/${this.target.path}`;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    this.client?.close();
    await this.loop;
    await this.options.lock?.release();
  }

  private poke(): void {
    this.pending = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let backoff = 1_000;
    while (this.running) {
      if (this.options.lock && !(await this.safeHold())) {
        await this.sleep(3_000); // another replica polls; take over if it goes away
        continue;
      }
      try {
        await this.session();
        backoff = 1_000;
      } catch (err) {
        if (!this.running) break;
        this.options.logger.warn({ mailbox: this.label, err: err instanceof Error ? err.message : String(err), retryInMs: backoff }, 'imap: connection lost or failed; reconnecting');
      } finally {
        this.client?.close();
        this.client = null;
      }
      if (this.running) await this.sleep(backoff);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }
  }

  private async safeHold(): Promise<boolean> {
    try {
      return (await this.options.lock?.hold()) ?? true;
    } catch (err) {
      this.options.logger.warn({ mailbox: this.label, err: err instanceof Error ? err.message : String(err) }, 'imap: could not check the mailbox lock');
      return false;
    }
  }

  /** One connection's life: open, catch up, then sync whenever IDLE reports mail or the poll timer fires. */
  private async session(): Promise<void> {
    const client = imapClient(this.target, {
      // IDLE soon after our own commands, so new mail is reported within moments (SPEC: p95 < 1 s).
      autoIdleDelay: 250,
      maxIdleTime: 5 * 60_000,
    });
    this.client = client;
    let closed = false;
    client.on('exists', () => this.poke());
    client.on('close', () => {
      closed = true;
      this.wake?.();
    });
    client.on('error', (err: Error) => this.options.logger.warn({ mailbox: this.label, err: err.message }, 'imap: connection error'));
    await client.connect();
    if (this.options.processedFolder) await client.mailboxCreate(this.options.processedFolder).catch(() => undefined); // exists already
    const box = await client.mailboxOpen(this.target.path);
    const uidValidity = String(box.uidValidity);
    this.options.logger.info({ mailbox: this.label, uidValidity }, 'imap: mailbox open, watching for mail (IDLE)');
    this.pending = true;
    let first = true;
    while (this.running && !closed) {
      if (this.pending) {
        this.pending = false;
        if (this.options.lock && !(await this.safeHold())) throw new Error('lost the mailbox lock to another replica');
        await this.sync(client, uidValidity, first);
        first = false;
      }
      if (!this.pending) {
        await this.sleep(this.options.pollSeconds * 1000, true);
        // Woken by IDLE's EXISTS, or the poll timer ran out: either way, look.
        this.pending = true;
      }
    }
    if (closed && this.running) throw new Error('the IMAP server closed the connection');
  }

  private async sync(client: ImapFlow, uidValidity: string, catchUp: boolean): Promise<void> {
    const stored = await readCheckpoint<Checkpoint>(this.deps.tickets.db, this.checkpointKey);
    let lastUid: number;
    if (stored && stored.uidValidity === uidValidity) {
      lastUid = stored.lastUid;
      if (catchUp && lastUid > 0) await this.markDone(client, await this.uids(client, { uid: `1:${lastUid}`, seen: false }));
    } else {
      // First contact, or the server rebuilt the mailbox (new UIDVALIDITY): take the unread mail,
      // not years of history; the ledger drops what was stored before under the old UIDs.
      const unseen = await this.uids(client, { seen: false });
      lastUid = unseen.length > 0 ? Math.min(...unseen) - 1 : Math.max(0, (client.mailbox ? client.mailbox.uidNext : 1) - 1);
      if (stored) this.options.logger.warn({ mailbox: this.label, was: stored.uidValidity, now: uidValidity }, 'imap: UIDVALIDITY changed; re-reading unread mail');
    }
    const fresh = (await this.uids(client, { uid: `${lastUid + 1}:*` })).filter((u) => u > lastUid);
    for (let i = 0; i < fresh.length && this.running; i += BATCH) {
      const batch = fresh.slice(i, i + BATCH);
      const messages = (await client.fetchAll(batch.join(','), { uid: true, source: true }, { uid: true })).sort((a, b) => a.uid - b.uid);
      const done: number[] = [];
      for (const m of messages) {
        if (!this.running) break;
        const checkpoint = { key: this.checkpointKey, value: { uidValidity, lastUid: m.uid } satisfies Checkpoint };
        const result = await this.ingestOne(m.source ?? Buffer.alloc(0), m.uid, checkpoint);
        done.push(m.uid);
        this.options.afterIngest?.(result);
      }
      await this.markDone(client, done);
    }
  }

  private async ingestOne(raw: Buffer, uid: number, checkpoint: { key: string; value: Checkpoint }): Promise<IntakeResult> {
    const envelope = { source: 'imap' as const, departmentId: this.spec.departmentId, checkpoint };
    try {
      const result = await ingestMail(this.deps, raw, envelope);
      this.failures.delete(uid);
      return result;
    } catch (err) {
      const n = (this.failures.get(uid) ?? 0) + 1;
      this.failures.set(uid, n);
      if (n < MAX_FAILURES_PER_MAIL) throw err;
      this.failures.delete(uid);
      return recordUnreadable(this.deps, raw, envelope, err);
    }
  }

  /** After the commit: \Seen, and into the processed folder when one is configured. */
  private async markDone(client: ImapFlow, uids: number[]): Promise<void> {
    if (uids.length === 0) return;
    const range = uids.join(',');
    await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
    if (this.options.processedFolder) await client.messageMove(range, this.options.processedFolder, { uid: true });
  }

  private async uids(client: ImapFlow, query: Record<string, unknown>): Promise<number[]> {
    const found = await client.search(query, { uid: true });
    return Array.isArray(found) ? [...found].sort((a, b) => a - b) : [];
  }

  /** Waits `ms`, or until poked (new mail, stop); `wakeOnPoke` false ignores pokes (backoff). */
  private sleep(ms: number, wakeOnPoke = false): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = wakeOnPoke || !this.running ? done : () => (this.running ? undefined : done());
      if (wakeOnPoke && this.pending) done();
    });
  }
}
