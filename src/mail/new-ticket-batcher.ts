// Group commit for tickets opened by mail. While one statement is on its way to the database,
// mails that become ready meanwhile wait, and then go together in the next statement
// (writeNewTicketsFromMail). Idle, a mail is written at once; under load the statements grow,
// and the fixed cost of one — a round trip, setting up a plan of a dozen inserts, a commit —
// is shared. That cost, not the rows, is most of what a new ticket costs the database.
//
// Mails that must see each other's rows never share a statement: the same Message-ID, the same
// recipient of an automatic mail (the hourly allowance counts committed rows), the same
// checkpoint, or a mail threading to one already in the batch. A batch is the longest run of
// waiting mails, oldest first, without such a clash, so nothing overtakes a mail it depends on.
import type { Queryable } from '../db/create-db.js';
import { writeNewTicketsFromMail, type NewTicketFromMail, type NewTicketWritten } from './new-ticket-statement.js';

/** Writes a batch, results in the same order. */
export type BatchWriter = (inputs: readonly NewTicketFromMail[]) => Promise<NewTicketWritten[]>;

interface Waiting {
  input: NewTicketFromMail;
  resolve(written: NewTicketWritten): void;
  reject(err: unknown): void;
}

export class NewTicketBatcher {
  private waiting: Waiting[] = [];
  private writing = false;

  private readonly writeBatch: BatchWriter;
  private readonly maxBatch: number;

  constructor(db: Queryable, options: { maxBatch?: number; writer?: BatchWriter } = {}) {
    this.writeBatch = options.writer ?? ((inputs) => writeNewTicketsFromMail(db, inputs));
    this.maxBatch = options.maxBatch ?? 32;
  }

  write(input: NewTicketFromMail): Promise<NewTicketWritten> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pump();
    });
  }

  /** One statement at a time: a batch always sees every earlier one committed. */
  private pump(): void {
    if (this.writing || this.waiting.length === 0) return;
    const batch = this.nextBatch();
    this.writing = true;
    void this.run(batch).finally(() => {
      this.writing = false;
      this.pump();
    });
  }

  private nextBatch(): Waiting[] {
    const keys = new Set<string>();
    let n = 0;
    for (const w of this.waiting) {
      if (n === this.maxBatch) break;
      const own = keysOf(w.input);
      if (own.some((k) => keys.has(k)) || w.input.threadIds.some((id) => keys.has(`id:${id}`))) break;
      for (const k of own) keys.add(k);
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const written = await this.writeBatch(batch.map((w) => w.input));
      batch.forEach((w, i) => w.resolve(written[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One mail the database refuses must not take the others with it: each on its own, so
      // only that one fails (and its sender's retry or the mailbox brings it back).
      for (const w of batch) {
        await this.writeBatch([w.input]).then(([written]) => w.resolve(written!), w.reject);
      }
    }
  }
}

/** What two mails of one batch must not share; `id:` is also what a mail threading to it names. */
function keysOf(input: NewTicketFromMail): string[] {
  const { messageId, contentHash } = input.ledger;
  return [
    `mail:${messageId}\n${contentHash}`,
    ...(messageId ? [`id:${messageId}`] : []),
    ...(input.autoMail ? [`to:${input.autoMail.to}`] : []),
    ...(input.checkpoint ? [`checkpoint:${input.checkpoint.key}`] : []),
  ];
}
