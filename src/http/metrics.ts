// Prometheus metrics. Ticket and outbox gauges are read from the database at scrape time, so
// every replica reports the same truth and nothing is counted in memory that a restart loses.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/create-db.js';
import type { OutboxRow, WorkerObserver } from '../outbox/worker.js';

export interface Metrics {
  registry: Registry;
  outboxObserver: WorkerObserver;
}

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'threaddesk_' });
  new Gauge({
    name: 'threaddesk_tickets',
    help: 'Tickets by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await queryRows<{ status: string; n: number }>(db, sql`select status, count(*)::int as n from tickets group by status`);
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'threaddesk_outbox_depth',
    help: 'Outbox rows not yet delivered, by status (pending, delivering, dead)',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of ['pending', 'delivering', 'dead']) this.set({ status: s }, 0);
      const rows = await queryRows<{ status: string; n: number }>(db, sql`select status, count(*)::int as n from outbox where status <> 'done' group by status`);
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  const deliveries = new Counter({ name: 'threaddesk_outbox_deliveries_total', help: 'Outbox rows delivered', labelNames: ['sink'], registers: [registry] });
  const failures = new Counter({ name: 'threaddesk_outbox_failures_total', help: 'Failed outbox delivery attempts', labelNames: ['sink', 'dead'], registers: [registry] });
  return {
    registry,
    outboxObserver: {
      delivered: (row: OutboxRow) => deliveries.inc({ sink: row.sink }),
      failed: (row: OutboxRow, dead: boolean) => failures.inc({ sink: row.sink, dead: String(dead) }),
    },
  };
}
