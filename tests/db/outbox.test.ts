import { eq, sql } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { createDb, type Database, type Db } from '../../src/db/create-db.js';
import { outbox } from '../../src/db/schema.js';
import { enqueue, type OutboxItem } from '../../src/outbox/enqueue.js';
import { OutboxWorker, RetryLater, type OutboxRow, type Sink } from '../../src/outbox/worker.js';
import { describeOnDatabases } from '../support/databases.js';

class RecordingSink implements Sink {
  readonly delivered: OutboxRow[] = [];
  constructor(private readonly behaviour: (row: OutboxRow) => Promise<void> | void = () => {}) {}
  async deliver(row: OutboxRow) {
    await this.behaviour(row);
    this.delivered.push(row);
    return { externalId: `ext-${row.id}` };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeOnDatabases('the outbox worker', (h) => {
  const extra: Database[] = [];
  afterEach(async () => {
    await h().database.db.delete(outbox);
    while (extra.length) await extra.pop()!.close();
  });

  /** A second connection to the same database, as another replica would have (PGlite: the same instance). */
  async function secondDb(): Promise<Db> {
    const { url, database } = h();
    if (!url) return database.db;
    const other = await createDb({ databaseUrl: url });
    extra.push(other);
    return other.db;
  }

  const rows = (n: number, key: (i: number) => string | null, sink = 'test'): OutboxItem[] =>
    Array.from({ length: n }, (_, i) => ({ ticketId: null, orderKey: key(i), sink: sink as 'log', kind: 'k', payload: { i } }));

  it('delivers each row to the sink named on it and records the external id', async () => {
    const db = h().database.db;
    await enqueue(db, rows(3, () => null));
    const sink = new RecordingSink();
    const worker = new OutboxWorker(db).register('test', sink);
    expect(await worker.drain()).toBe(3);
    expect(sink.delivered.map((r) => r.payload.i)).toEqual([0, 1, 2]);
    const stored = await db.select().from(outbox).orderBy(outbox.id);
    expect(stored.map((r) => [r.status, r.externalId])).toEqual(stored.map((r) => ['done', `ext-${r.id}`]));
  });

  it('never delivers a row twice when two workers run in parallel, and keeps each key in order', async () => {
    const db = h().database.db;
    await enqueue(db, rows(240, (i) => (i % 3 === 0 ? null : `chat:${i % 7}`)));
    // Both workers append to one list at the moment of delivery: the global delivery order.
    const seen: OutboxRow[] = [];
    const record = async (row: OutboxRow) => {
      await sleep(Math.random() * 3);
      seen.push(row);
    };
    const sinkA = new RecordingSink(record);
    const sinkB = new RecordingSink(record);
    const a = new OutboxWorker(db, { batchSize: 10 }).register('test', sinkA);
    const b = new OutboxWorker(await secondDb(), { batchSize: 10 }).register('test', sinkB);
    await Promise.all([a.drain(), b.drain()]);
    const ids = seen.map((r) => r.id);
    expect(ids.length).toBe(240);
    expect(new Set(ids).size).toBe(240);
    expect(sinkA.delivered.length).toBeGreaterThan(0);
    expect(sinkB.delivered.length).toBeGreaterThan(0);
    const stored = await db.select().from(outbox);
    expect(stored.every((r) => r.status === 'done')).toBe(true);
    const keyOf = new Map(stored.map((r) => [r.id, r.orderKey]));
    const perKey = new Map<string, number[]>();
    for (const id of ids) {
      const key = keyOf.get(id);
      if (key) perKey.set(key, [...(perKey.get(key) ?? []), id]);
    }
    expect(perKey.size).toBe(7);
    for (const [key, list] of perKey) expect(list, `delivery order of ${key}`).toEqual([...list].sort((x, y) => x - y));
  });

  it('holds later rows of a key while an earlier one fails, without holding other keys', async () => {
    const db = h().database.db;
    await enqueue(db, [
      { ticketId: null, orderKey: 'mail:1', sink: 'test' as 'log', kind: 'first', payload: {} },
      { ticketId: null, orderKey: 'mail:1', sink: 'test' as 'log', kind: 'second', payload: {} },
      { ticketId: null, orderKey: 'mail:2', sink: 'test' as 'log', kind: 'other', payload: {} },
    ]);
    const sink = new RecordingSink((row) => {
      if (row.kind === 'first') throw new Error('SMTP down');
    });
    const worker = new OutboxWorker(db, { baseBackoffMs: 60_000 }).register('test', sink);
    await worker.drain();
    expect(sink.delivered.map((r) => r.kind)).toEqual(['other']);
    const [first] = await db.select().from(outbox).where(eq(outbox.kind, 'first'));
    expect(first!.status).toBe('pending');
    expect(first!.lastError).toBe('SMTP down');
    expect(first!.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() + 30_000);
  });

  it('retries with growing backoff and dead-letters after the last attempt', async () => {
    const db = h().database.db;
    await enqueue(db, rows(1, () => 'k'));
    const sink = new RecordingSink(() => {
      throw new Error('always broken');
    });
    const worker = new OutboxWorker(db, { maxAttempts: 3, baseBackoffMs: 1_000 }).register('test', sink);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      await worker.runOnce();
      const [row] = await db.select().from(outbox);
      delays.push(row!.nextAttemptAt.getTime() - Date.now());
      // Make it due again without waiting out the backoff.
      if (row!.status === 'pending') await db.update(outbox).set({ nextAttemptAt: sql`now()` });
    }
    const [row] = await db.select().from(outbox);
    expect(row!.status).toBe('dead');
    expect(row!.attempts).toBe(3);
    expect(row!.lastError).toBe('always broken');
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(await worker.runOnce()).toBe(0);
  });

  it('waits as long as the sink asks on a rate limit', async () => {
    const db = h().database.db;
    await enqueue(db, rows(1, () => null));
    const worker = new OutboxWorker(db).register('test', new RecordingSink(() => {
      throw new RetryLater(20_000, 'HTTP 429');
    }));
    await worker.runOnce();
    const [row] = await db.select().from(outbox);
    expect(row!.status).toBe('pending');
    const wait = row!.nextAttemptAt.getTime() - Date.now();
    expect(wait).toBeGreaterThan(15_000);
    expect(wait).toBeLessThan(25_000);
  });

  it('does not deliver before notBefore, and picks up rows a crashed worker left leased', async () => {
    const db = h().database.db;
    await enqueue(db, [{ ticketId: null, sink: 'test' as 'log', kind: 'later', payload: {}, notBefore: new Date(Date.now() + 60_000) }]);
    await enqueue(db, rows(1, () => null));
    // A worker that died mid-delivery: the row is 'delivering' with a lease that ran out.
    await db.update(outbox).set({ status: 'delivering', attempts: 1, leaseUntil: new Date(Date.now() - 1_000) }).where(eq(outbox.kind, 'k'));
    const sink = new RecordingSink();
    await new OutboxWorker(db).register('test', sink).drain();
    expect(sink.delivered.map((r) => r.kind)).toEqual(['k']);
    const later = await db.select().from(outbox).where(eq(outbox.kind, 'later'));
    expect(later[0]!.status).toBe('pending');
  });

  it('keeps a row whose sink is not registered and says why', async () => {
    const db = h().database.db;
    await enqueue(db, rows(1, () => null, 'nowhere'));
    await new OutboxWorker(db).drain();
    const [row] = await db.select().from(outbox);
    expect(row!.status).toBe('pending');
    expect(row!.lastError).toContain('no sink registered for "nowhere"');
  });

  it('gives a sequential sink one call at a time in id order, its reads prepared ahead, a failed read retried', async () => {
    const db = h().database.db;
    await enqueue(db, rows(30, (i) => `ticket:${i}`, 'seq'));
    let inFlight = 0;
    let mostInFlight = 0;
    const delivered: { i: number; ready: unknown }[] = [];
    const sink: Sink = {
      sequential: true,
      async prepare(row) {
        if (row.payload.i === 7 && row.attempts === 1) throw new Error('the read failed');
        return `read for ${String(row.payload.i)}`;
      },
      async deliver(row, ready) {
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await sleep(2);
        delivered.push({ i: Number(row.payload.i), ready });
        inFlight -= 1;
      },
    };
    const worker = new OutboxWorker(db, { pollMs: 10, batchSize: 8, baseBackoffMs: 1, maxBackoffMs: 1 }).register('seq', sink);
    worker.start();
    for (let i = 0; i < 500 && delivered.length < 30; i++) await sleep(10);
    await worker.stop();

    expect(mostInFlight).toBe(1);
    const order = delivered.map((d) => d.i);
    expect(order.filter((i) => i !== 7)).toEqual(Array.from({ length: 30 }, (_, i) => i).filter((i) => i !== 7));
    expect(order.filter((i) => i === 7)).toHaveLength(1);
    expect(delivered.every((d) => d.ready === `read for ${d.i}`)).toBe(true);
    const stored = await db.select().from(outbox).orderBy(outbox.id);
    expect(stored.every((r) => r.status === 'done')).toBe(true);
    expect(stored[7]!.attempts).toBe(2);
  });

  it('stops gracefully: the delivery in flight finishes, nothing new starts', async () => {
    const db = h().database.db;
    await enqueue(db, rows(1, () => null));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sink = new RecordingSink(() => gate);
    const worker = new OutboxWorker(db, { pollMs: 10 }).register('test', sink);
    worker.start();
    while ((await db.select().from(outbox).where(eq(outbox.status, 'delivering'))).length === 0) await sleep(5);
    const stopped = worker.stop();
    await enqueue(db, rows(1, () => null));
    release();
    await stopped;
    expect(sink.delivered).toHaveLength(1);
    const pending = await db.select().from(outbox).where(eq(outbox.status, 'pending'));
    expect(pending).toHaveLength(1);
  });
});
