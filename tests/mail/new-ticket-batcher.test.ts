// Group commit of new tickets, with the database replaced by a writer the test answers by hand:
// which mails share a statement, and that one refused mail does not fail the others.
import { describe, expect, it } from 'vitest';
import { NewTicketBatcher } from '../../src/mail/new-ticket-batcher.js';
import type { NewTicketFromMail, NewTicketWritten } from '../../src/mail/new-ticket-statement.js';

function mail(messageId: string, extra: { threadIds?: string[]; to?: string; checkpoint?: string } = {}): NewTicketFromMail {
  return {
    ledger: { messageId, contentHash: `hash-of-${messageId}`, bulk: false, outcome: 'created' },
    threadIds: extra.threadIds ?? [],
    autoMail: { to: extra.to ?? `${messageId}@customer.example`, payload: {} as never, limitPerHour: 10 },
    ...(extra.checkpoint ? { checkpoint: { key: extra.checkpoint, value: {} } } : {}),
  } as unknown as NewTicketFromMail;
}

/** A writer whose statements stay open until the test ends them. */
function heldWriter() {
  const batches: { ids: string[]; end(fail?: (id: string) => boolean): void }[] = [];
  const writer = (inputs: readonly NewTicketFromMail[]) =>
    new Promise<NewTicketWritten[]>((resolve, reject) => {
      batches.push({
        ids: inputs.map((i) => i.ledger.messageId),
        end: (fail) => {
          if (fail && inputs.some((i) => fail(i.ledger.messageId))) reject(new Error('refused'));
          else resolve(inputs.map((_, n) => ({ fresh: true, threaded: false, ticketId: n + 1, messageRowId: n + 1, autoMailQueued: true })));
        },
      });
    });
  return { batches, writer };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('NewTicketBatcher', () => {
  it('writes a mail at once when idle, and mails arriving meanwhile together in the next statement', async () => {
    const { batches, writer } = heldWriter();
    const batcher = new NewTicketBatcher(null as never, { writer });
    const first = batcher.write(mail('a'));
    await settle();
    expect(batches.map((b) => b.ids)).toEqual([['a']]);
    const later = [batcher.write(mail('b')), batcher.write(mail('c')), batcher.write(mail('d'))];
    await settle();
    expect(batches).toHaveLength(1); // one statement at a time
    batches[0]!.end();
    await first;
    await settle();
    expect(batches.map((b) => b.ids)).toEqual([['a'], ['b', 'c', 'd']]);
    batches[1]!.end();
    expect((await Promise.all(later)).map((w) => w.fresh)).toEqual([true, true, true]);
  });

  it('keeps apart mails that must see each other committed, without letting later mails overtake', async () => {
    const { batches, writer } = heldWriter();
    const batcher = new NewTicketBatcher(null as never, { writer });
    const all = [batcher.write(mail('busy'))];
    await settle();
    all.push(
      batcher.write(mail('parent')),
      batcher.write(mail('reply', { threadIds: ['parent'] })), // threads to a mail of the batch
      batcher.write(mail('other')),
      batcher.write(mail('again', { to: 'same@customer.example' })),
      batcher.write(mail('again-2', { to: 'same@customer.example' })), // one hourly allowance
      batcher.write(mail('imap-1', { checkpoint: 'imap:support' })),
      batcher.write(mail('imap-2', { checkpoint: 'imap:support' })), // one checkpoint row
    );
    for (let i = 0; i < 5; i++) {
      await settle();
      batches.at(-1)!.end();
    }
    await Promise.all(all);
    expect(batches.map((b) => b.ids)).toEqual([['busy'], ['parent'], ['reply', 'other', 'again'], ['again-2', 'imap-1'], ['imap-2']]);
  });

  it('retries a refused statement mail by mail, so only the mail the database refuses fails', async () => {
    const { batches, writer } = heldWriter();
    const batcher = new NewTicketBatcher(null as never, { writer });
    const busy = batcher.write(mail('busy'));
    await settle();
    const results = Promise.allSettled([batcher.write(mail('good-1')), batcher.write(mail('bad')), batcher.write(mail('good-2'))]);
    batches[0]!.end();
    await busy;
    for (let i = 0; i < 4; i++) {
      await settle();
      batches.at(-1)!.end((id) => id === 'bad');
    }
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches.map((b) => b.ids)).toEqual([['busy'], ['good-1', 'bad', 'good-2'], ['good-1'], ['bad'], ['good-2']]);
  });
});
