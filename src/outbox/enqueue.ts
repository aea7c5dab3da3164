// Use cases call this inside their transaction: the side effect is recorded with the change,
// so it is delivered exactly when the change committed (never lost, never without the change).
import type { Queryable } from '../db/create-db.js';
import { outbox } from '../db/schema.js';

export type OutboxSink = 'chat' | 'mail' | 'log';

export interface OutboxItem {
  ticketId: number | null;
  sink: OutboxSink;
  kind: string;
  payload: Record<string, unknown>;
  /** Deliver no earlier than this (undo windows, scheduled mail). */
  notBefore?: Date;
  /** Rows with the same key are delivered in order; defaults to `<sink>:<ticketId>`. */
  orderKey?: string | null;
}

export async function enqueue(q: Queryable, items: OutboxItem[]): Promise<void> {
  if (items.length === 0) return;
  await q.insert(outbox).values(
    items.map((i) => ({
      ticketId: i.ticketId,
      orderKey: i.orderKey !== undefined ? i.orderKey : i.ticketId === null ? null : `${i.sink}:${i.ticketId}`,
      sink: i.sink,
      kind: i.kind,
      payload: i.payload,
      ...(i.notBefore ? { nextAttemptAt: i.notBefore } : {}),
    })),
  );
}
