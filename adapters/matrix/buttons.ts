// The card's "buttons". Matrix messages have none, so the bot seeds the card with reactions
// labelled Claim, Release, Waiting, Close (or Reopen): clients show them as clickable chips under
// the card, and a person clicking one sends the same annotation, which inbound.ts turns into a
// command (source 'button'). Emoji reactions stay reactions (SPEC §5 reaction map).
import type { MatrixApi } from './api.js';
import { BoundedCache } from '../bounded-cache.js';
import type { Json } from './client.js';
import type { LogSink } from '../log-sink.js';

export class CardButtons {
  /** card event id → label → the bot's reaction event id. After a restart, read from /relations. */
  private readonly seeded = new BoundedCache<Map<string, string>>(2_000);

  constructor(private readonly api: MatrixApi, private readonly log: LogSink, private readonly botUserId: () => string | undefined) {}

  /**
   * Adds the button reactions the card should have and redacts the ones it should not. Buttons
   * are a convenience (`!ticket` works without them) and the card is posted already, so a failure
   * is logged instead of thrown: a throw would make the caller post the card again.
   */
  async reconcile(roomId: string, cardId: string, wanted: string[]): Promise<void> {
    try {
      await this.apply(roomId, cardId, wanted);
    } catch (err) {
      this.seeded.delete(cardId);
      this.log.warn({ component: 'matrix', err, roomId, cardId }, `could not update the reaction buttons of a ticket card: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async apply(roomId: string, cardId: string, wanted: string[]): Promise<void> {
    let current = this.seeded.get(cardId);
    if (!current) {
      const mine = (await this.api.relations(roomId, cardId, 'm.annotation', 'm.reaction')).filter((e) => e.sender === this.botUserId());
      current = new Map(mine.map((e) => [String((e.content['m.relates_to'] as Json | undefined)?.key ?? ''), e.event_id]));
    }
    for (const [key, id] of [...current]) {
      if (wanted.includes(key)) continue;
      await this.api.redact(roomId, id);
      current.delete(key);
    }
    for (const key of wanted) {
      if (current.has(key)) continue;
      current.set(key, await this.api.send(roomId, 'm.reaction', { 'm.relates_to': { rel_type: 'm.annotation', event_id: cardId, key } }));
    }
    this.seeded.set(cardId, current);
  }
}
