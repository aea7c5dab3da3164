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
  /** `prepared` is what `prepare` returned for this row, when the sink has one. */
  deliver(row: OutboxRow, prepared?: unknown): Promise<DeliveryResult | void>;
  /**
   * Reads a sequential sink does before delivering, run a few rows ahead of the row being
   * delivered so that only the platform calls wait for each other. Safe because a batch holds
   * at most one row per order key (ticket): no row of the batch can change what another read.
   */
  prepare?(row: OutboxRow): Promise<unknown>;
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

/** How many rows of a sequential sink are read ahead of the one being delivered. */
const PREPARE_AHEAD = 4;

type Prepared = { ok: true; value: unknown } | { ok: false; error: unknown };
type Outcome = { ok: true; result: DeliveryResult | undefined } | { ok: false; error: unknown };

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
    const batch = await this.runBatch();
    await batch.settled;
    return batch.count;
  }

  /**
   * Claims one batch and returns once every row of it was attempted; `settled` resolves when
   * their outcomes are written. The loop claims the next batch meanwhile: rows still being
   * settled keep their order key busy, so nothing behind them can overtake.
   */
  private async runBatch(): Promise<{ count: number; settled: Promise<void> }> {
    const rows = await this.claim();
    const inOrder = rows.filter((r) => this.sinks.get(r.sink)?.sequential);
    const concurrent = rows.filter((r) => !this.sinks.get(r.sink)?.sequential);
    const [failed, sequential] = await Promise.all([
      Promise.all(concurrent.map((row) => this.deliver(row))).then(
        () => null,
        (error: unknown) => ({ error }),
      ),
      this.deliverInOrder(inOrder),
    ]);
    if (failed) {
      // Recording a delivery failed (the database is gone?): say so once, and leave no
      // rejection of the ordered rows' bookkeeping unobserved, which would end the process.
      sequential.settled.catch(() => undefined);
      throw failed.error;
    }
    return { count: rows.length, settled: sequential.settled };
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
      let settling: Promise<void> = Promise.resolve();
      while (this.running) {
        let n = 0;
        try {
          const batch = await this.runBatch();
          n = batch.count;
          const previous = settling;
          settling = Promise.all([previous, batch.settled.catch((err: unknown) => this.options.logger?.error({ err }, 'outbox: recording a delivery failed'))]).then(() => undefined);
        } catch (err) {
          this.options.logger?.error({ err }, 'outbox: claiming failed');
        }
        if (n === 0) {
          await settling;
          if (this.running) await this.sleep(this.opts.pollMs);
        }
      }
      await settling;
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

  /**
   * One platform call after the other in id order; the reads before them run ahead for the whole
   * batch and each row's bookkeeping runs behind, so a channel is not held up by our database.
   */
  private async deliverInOrder(rows: OutboxRow[]): Promise<{ settled: Promise<void> }> {
    // A few rows ahead, not the whole batch: the next call should wait for its own reads only.
    const prepared: Promise<Prepared>[] = [];
    const prepareUpTo = (end: number) => {
      for (let j = prepared.length; j < Math.min(end, rows.length); j++) prepared.push(this.prepare(rows[j]!));
    };
    const bookkeeping: Promise<void>[] = [];
    let failure: { error: unknown } | null = null;
    for (const [i, row] of rows.entries()) {
      prepareUpTo(i + PREPARE_AHEAD);
      const delivery = this.attempt(row, await prepared[i]!);
      // Caught at once: a failed status write must not become an unhandled rejection meanwhile.
      bookkeeping.push(delivery.then((outcome) => this.settle(row, outcome)).catch((error: unknown) => void (failure ??= { error })));
      await delivery;
    }
    const settled = Promise.all(bookkeeping).then(() => {
      if (failure) throw (failure as { error: unknown }).error;
    });
    return { settled };
  }

  private prepare(row: OutboxRow): Promise<Prepared> {
    const sink = this.sinks.get(row.sink);
    if (!sink?.prepare) return Promise.resolve({ ok: true, value: undefined });
    return sink.prepare(row).then(
      (value): Prepared => ({ ok: true, value }),
      (error: unknown): Prepared => ({ ok: false, error }),
    );
  }

  private async deliver(row: OutboxRow): Promise<void> {
    await this.settle(row, await this.attempt(row, { ok: true, value: undefined }));
  }

  private async attempt(row: OutboxRow, prepared: Prepared): Promise<Outcome> {
    const sink = this.sinks.get(row.sink);
    try {
      if (!sink) throw new Error(`no sink registered for "${row.sink}"`);
      if (!prepared.ok) throw prepared.error;
      return { ok: true, result: (await sink.deliver(row, prepared.value)) ?? undefined };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /** Records what became of a delivery: done, or pending again after a backoff, or dead. */
  private async settle(row: OutboxRow, outcome: Outcome): Promise<void> {
    if (outcome.ok) {
      const result = outcome.result;
      await queryRows(
        this.db,
        sql`update outbox set status = 'done', delivered_at = now(), lease_until = null, last_error = null,
              external_id = ${result?.externalId ?? null}
            where id = ${row.id} and status = 'delivering'`,
      );
      this.options.observer?.delivered?.(row);
    } else {
      const err = outcome.error;
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
