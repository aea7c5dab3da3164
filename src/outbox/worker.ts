// Delivers outbox rows to their sinks. Rows are claimed with FOR UPDATE SKIP LOCKED and leased,
// so several workers (and replicas) share the work without delivering a row twice; rows with
// the same order key go one at a time in id order; failures retry with exponential backoff
// until they land in the dead-letter state.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/create-db.js';

export interface OutboxRow {
  id: number;
  ticketId: number | null;
  sink: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
  createdAt: Date;
}

export interface DeliveryResult {
  externalId?: string | null;
}

export interface Sink {
  deliver(row: OutboxRow): Promise<DeliveryResult | void>;
  /**
   * Deliver this sink's rows one at a time in id order instead of concurrently. For chat:
   * threads must appear in a channel in the order the tickets were created, and the platform
   * serialises a channel anyway.
   */
  readonly sequential?: boolean;
}

/** A sink may throw this to say when to try again (a rate limit's Retry-After). */
export class RetryLater extends Error {
  constructor(
    readonly retryAfterMs: number,
    message = 'retry later',
  ) {
    super(message);
  }
}

export interface WorkerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface WorkerObserver {
  delivered?(row: OutboxRow): void;
  failed?(row: OutboxRow, dead: boolean): void;
}

export interface OutboxWorkerOptions {
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  pollMs?: number;
  logger?: WorkerLogger;
  observer?: WorkerObserver;
}

interface RawRow {
  id: string | number;
  ticket_id: number | null;
  sink: string;
  kind: string;
  payload: Record<string, unknown> | string;
  attempts: number;
  created_at: string | Date;
}

export class OutboxWorker {
  private readonly sinks = new Map<string, Sink>();
  private readonly opts: Required<Omit<OutboxWorkerOptions, 'logger' | 'observer'>>;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly options: OutboxWorkerOptions = {},
  ) {
    this.opts = {
      batchSize: options.batchSize ?? 50,
      leaseMs: options.leaseMs ?? 60_000,
      // With the 15-minute cap, 40 attempts span about eight hours: an SMTP or chat outage delays, it does not lose.
      maxAttempts: options.maxAttempts ?? 40,
      baseBackoffMs: options.baseBackoffMs ?? 1_000,
      maxBackoffMs: options.maxBackoffMs ?? 15 * 60_000,
      pollMs: options.pollMs ?? 500,
    };
  }

  register(name: string, sink: Sink): this {
    this.sinks.set(name, sink);
    return this;
  }

  /** Claims one batch and delivers it. Returns how many rows were attempted. */
  async runOnce(): Promise<number> {
    const rows = await this.claim();
    const inOrder = rows.filter((r) => this.sinks.get(r.sink)?.sequential);
    const concurrent = rows.filter((r) => !this.sinks.get(r.sink)?.sequential);
    await Promise.all([
      ...concurrent.map((row) => this.deliver(row)),
      (async () => {
        for (const row of inOrder) await this.deliver(row);
      })(),
    ]);
    return rows.length;
  }

  /** Runs until there is nothing ready (bounded by `maxRounds`); for tests, benchmarks, import. */
  async drain(maxRounds = 10_000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const n = await this.runOnce();
      if (n === 0) break;
      total += n;
    }
    return total;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        let n = 0;
        try {
          n = await this.runOnce();
        } catch (err) {
          this.options.logger?.error({ err }, 'outbox: claiming failed');
        }
        if (n === 0 && this.running) await this.sleep(this.opts.pollMs);
      }
    })();
  }

  /** Nudges the loop (a use case just committed something). */
  poke(): void {
    this.wake?.();
  }

  /** Stops taking new rows and waits for the deliveries in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async claim(): Promise<OutboxRow[]> {
    const raw = await queryRows<RawRow>(
      this.db,
      sql`with ready as (
            select o.id from outbox o
            where (o.status = 'pending' or (o.status = 'delivering' and o.lease_until < now()))
              and o.next_attempt_at <= now()
              and (o.order_key is null or not exists (
                select 1 from outbox p
                where p.order_key = o.order_key and p.id < o.id and p.status in ('pending', 'delivering')))
            order by o.id
            limit ${this.opts.batchSize}
            for update skip locked)
          update outbox set status = 'delivering', attempts = outbox.attempts + 1,
            lease_until = now() + make_interval(secs => ${this.opts.leaseMs / 1000})
          from ready where outbox.id = ready.id
          returning outbox.id, outbox.ticket_id, outbox.sink, outbox.kind, outbox.payload, outbox.attempts, outbox.created_at`,
    );
    return raw
      .map((r) => ({
        id: Number(r.id),
        ticketId: r.ticket_id,
        sink: r.sink,
        kind: r.kind,
        payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as Record<string, unknown>) : r.payload,
        attempts: r.attempts,
        createdAt: new Date(r.created_at),
      }))
      .sort((a, b) => a.id - b.id);
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const sink = this.sinks.get(row.sink);
    try {
      if (!sink) throw new Error(`no sink registered for "${row.sink}"`);
      const result = await sink.deliver(row);
      await queryRows(
        this.db,
        sql`update outbox set status = 'done', delivered_at = now(), lease_until = null, last_error = null,
              external_id = ${result?.externalId ?? null}
            where id = ${row.id} and status = 'delivering'`,
      );
      this.options.observer?.delivered?.(row);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const dead = row.attempts >= this.opts.maxAttempts;
      const delay = err instanceof RetryLater ? err.retryAfterMs : this.backoff(row.attempts);
      await queryRows(
        this.db,
        sql`update outbox set status = ${dead ? 'dead' : 'pending'}, lease_until = null, last_error = ${message},
              next_attempt_at = now() + make_interval(secs => ${delay / 1000})
            where id = ${row.id} and status = 'delivering'`,
      );
      this.options.observer?.failed?.(row, dead);
      const log = { outboxId: row.id, sink: row.sink, kind: row.kind, attempts: row.attempts, err: message };
      if (dead) this.options.logger?.error(log, 'outbox: gave up, row is dead-lettered');
      else this.options.logger?.warn({ ...log, retryInMs: delay }, 'outbox: delivery failed, will retry');
    }
  }

  private backoff(attempts: number): number {
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
    // Jitter spreads retries of many rows that failed together (an SMTP outage).
    return Math.round(exp * (0.75 + Math.random() * 0.5));
  }
}

/** Until the mail and chat adapters are configured, side effects are logged. */
export class LogSink implements Sink {
  constructor(private readonly logger: WorkerLogger) {}
  async deliver(row: OutboxRow): Promise<void> {
    this.logger.info({ outboxId: row.id, sink: row.sink, kind: row.kind, ticketId: row.ticketId, payload: row.payload }, 'outbox: delivered to log');
  }
}
