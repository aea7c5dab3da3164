// Ticket numbers for mail intake, taken from the day's counter in blocks. Every number costs a
// committed counter update, and all creators queue on that one row: at a few ms per durable
// commit that caps intake at ~100 new tickets/s however many mails arrive at once. Taking a
// block at a time lifts the cap; unused numbers of a block are a gap, which SPEC §2 allows.
import { sql } from 'drizzle-orm';
import { queryRows } from '../db/create-db.js';
import { counterScope, formatNumber } from '../domain/numbering.js';
import type { TicketContext } from '../tickets/context.js';

export class TicketNumberBlocks {
  private scope: string | null = null;
  private next = 1;
  private last = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The next block, asked for when half of the current one is used, so no mail waits for it. */
  private ahead: { scope: string; last: Promise<number> } | null = null;

  constructor(
    private readonly ctx: TicketContext,
    // A block lasts while the next one (asked for at half) arrives, even with many mails at once;
    // what a stopped process leaves unused is a gap of up to two blocks.
    private readonly blockSize = 64,
  ) {}

  /** The next number for a ticket created at `now` (one at a time, so blocks are not fetched twice). */
  take(now: Date): Promise<string> {
    const result = this.queue.then(() => this.takeNow(now));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async takeNow(now: Date): Promise<string> {
    const { numbering } = this.ctx.settings;
    const scope = counterScope(numbering, now);
    if (scope !== this.scope || this.next > this.last) {
      const ahead = this.ahead?.scope === scope ? this.ahead.last : null;
      this.ahead = null;
      this.last = await (ahead ? ahead.catch(() => this.fetchBlock(scope)) : this.fetchBlock(scope));
      this.scope = scope;
      this.next = this.last - this.blockSize + 1;
    }
    if (!this.ahead && this.last - this.next < this.blockSize / 2) {
      const last = this.fetchBlock(scope);
      last.catch(() => undefined); // if it fails, the block is asked for again when it is needed
      this.ahead = { scope, last };
    }
    return formatNumber(numbering, now, this.next++);
  }

  /** Reserves a block of the scope's counter; resolves to the block's last value. */
  private async fetchBlock(scope: string): Promise<number> {
    const [row] = await queryRows<{ value: string | number }>(
      this.ctx.db,
      sql`insert into ticket_counters (scope, value) values (${scope}, ${this.blockSize})
          on conflict (scope) do update set value = ticket_counters.value + ${this.blockSize}
          returning value`,
    );
    return Number(row!.value);
  }
}
