// matrix-bot-sdk's MatrixClient with a sync loop that neither replays nor misses events across
// restarts. The SDK's own loop stores the token before handling a batch (or, with
// persistTokenAfterSync, after merely *emitting* it to listeners that are not awaited), keeps
// handling a response that arrives after stop(), waits 5–15 s after any error (429 included) and
// drops events when the server reports a `limited` timeline. Here instead:
//  - each batch is handled to the end (every handler awaited, in order), then its token stored;
//  - a response that arrives after stop() is dropped unhandled and its token not stored, so the
//    next start fetches the same events again;
//  - 429s wait `retry_after_ms`; a limited timeline is completed with /messages back to the
//    previous token;
//  - the very first sync of a new bot (no stored token) only records the position: the room
//    history from before threaddesk existed is not treated as new messages.
import { MatrixClient } from 'matrix-bot-sdk';
import type { CallQueue } from './calls.js';
import type { LogSink } from '../log-sink.js';
import type { KeyValueStorageProvider } from './storage.js';

export type Json = Record<string, unknown>;
export type MatrixEvent = Json & { event_id: string; type: string; sender: string; content: Json };

export interface SyncHooks {
  /** Each timeline event of a joined room, in order. Must not throw (it would stall the loop). */
  onRoomEvent(roomId: string, event: MatrixEvent): Promise<void>;
  onInvite(roomId: string, event: MatrixEvent): Promise<void>;
}

export interface SyncOptions {
  /** Long-poll timeout of each /sync (default 30 s). */
  timeoutMs: number;
  /** Events per room and sync; more are fetched with /messages (default 100). */
  timelineLimit: number;
  calls: CallQueue;
  log: LogSink;
}

const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const asEvents = (v: unknown): MatrixEvent[] =>
  (Array.isArray(v) ? v : []).filter((e): e is MatrixEvent => typeof asObj(e)?.event_id === 'string' && typeof asObj(e)?.type === 'string');

const MAX_BACKFILL_PAGES = 20;
const RECENT_IDS = 5_000;

class Halted extends Error {}

export class ThreaddeskMatrixClient extends MatrixClient {
  private hooks: SyncHooks | undefined;
  private batch: Promise<void> | null = null;
  /** Bumped by every start and stop, so a loop left over from before a restart ends itself. */
  private generation = 0;
  private wakeBackoff: (() => void) | undefined;
  private readonly recent = new Set<string>();

  constructor(homeserverUrl: string, accessToken: string, private readonly provider: KeyValueStorageProvider, private readonly sync: SyncOptions) {
    super(homeserverUrl, accessToken, provider);
    this.persistTokenAfterSync = true; // not used by our loop, but never the unsafe default
    this.syncingTimeout = sync.timeoutMs;
  }

  setHooks(hooks: SyncHooks): void {
    this.hooks = hooks;
  }

  /** Called by the SDK's start(); resolves once the first batch has been handled. */
  protected override async startSync(): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    let token = await this.provider.getSyncToken();
    const first = token === null;
    // Catch up without long-polling, so start() does not wait 30 s when nothing happened.
    token = await this.runBatch(generation, token, 0, first);
    if (first) this.sync.log.info({ component: 'matrix' }, 'first start of this bot account: the existing room history is skipped; new events are handled from now on');
    void this.runLoop(generation, token);
  }

  /**
   * Stops after the batch being handled (if any) is finished and its token stored. A long poll
   * still open is not waited for: whatever it returns is dropped, and fetched again next start.
   */
  async halt(): Promise<void> {
    this.generation += 1;
    super.stop();
    this.wakeBackoff?.();
    await this.batch?.catch(() => undefined);
  }

  private async runLoop(generation: number, start: string): Promise<void> {
    let token = start;
    let failures = 0;
    while (generation === this.generation) {
      try {
        token = await this.runBatch(generation, token, this.sync.timeoutMs, false);
        failures = 0;
      } catch (err) {
        if (generation !== this.generation || err instanceof Halted) return;
        failures += 1;
        const wait = Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5));
        this.sync.log.warn({ component: 'matrix', err, retryInMs: wait }, `Matrix sync failed; retrying in ${Math.round(wait / 1000)} s (${err instanceof Error ? err.message : String(err)})`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wakeBackoff = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeBackoff = undefined;
      }
    }
  }

  /** One /sync: fetch, handle every event, then store the new token. Returns the new token. */
  private async runBatch(generation: number, since: string | null, timeoutMs: number, skipTimeline: boolean): Promise<string> {
    const raw = await this.sync.calls.attempt('sync', () => this.fetchSync(since, timeoutMs));
    if (generation !== this.generation) throw new Halted();
    const next = typeof raw.next_batch === 'string' ? raw.next_batch : null;
    if (!next) throw new Error('The homeserver answered /sync without next_batch; is MATRIX_HOMESERVER_URL the client-server API of a Matrix homeserver?');
    const work = (async () => {
      if (since && !skipTimeline) await this.completeLimitedTimelines(raw, since);
      await this.processSync(raw, async (type: string, ...payload: unknown[]) => {
        this.emit(type, ...payload); // SDK-internal listeners (none needed today, harmless)
        const [roomId, event] = payload as [string, MatrixEvent];
        if (type === 'room.invite') await this.hooks?.onInvite(roomId, event);
        if (type !== 'room.event' || skipTimeline || this.seen(event.event_id)) return;
        await this.hooks?.onRoomEvent(roomId, event);
      });
      await this.provider.setSyncToken(next);
    })();
    this.batch = work;
    try {
      await work;
    } finally {
      this.batch = null;
    }
    return next;
  }

  private fetchSync(since: string | null, timeoutMs: number): Promise<Json> {
    // An inline filter (allowed by the spec) instead of the SDK's stored filter: changing a
    // stored filter makes the SDK reset the sync token, which would skip events.
    const filter = { room: { timeline: { limit: this.sync.timelineLimit } }, presence: { not_types: ['*'] } };
    const qs: Json = { timeout: timeoutMs, filter: JSON.stringify(filter), ...(since ? { since } : {}) };
    // The HTTP timeout must outlast the long poll.
    return this.doRequest('GET', '/_matrix/client/v3/sync', qs, null, timeoutMs + 30_000) as Promise<Json>;
  }

  /** For rooms the server reports as `limited`, prepends the events between `since` and the timeline. */
  private async completeLimitedTimelines(raw: Json, since: string): Promise<void> {
    const joined = asObj(asObj(raw.rooms)?.join) ?? {};
    for (const [roomId, value] of Object.entries(joined)) {
      const timeline = asObj(asObj(value)?.timeline);
      if (!timeline || timeline.limited !== true || typeof timeline.prev_batch !== 'string') continue;
      const older: MatrixEvent[] = [];
      let from: string | undefined = timeline.prev_batch;
      let pages = 0;
      while (from && pages < MAX_BACKFILL_PAGES) {
        pages += 1;
        const page = await this.sync.calls.attempt('messages', () =>
          this.doRequest('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages`, { dir: 'b', from, to: since, limit: 100 }) as Promise<Json>,
        );
        const chunk = asEvents(page.chunk);
        older.push(...chunk);
        from = chunk.length > 0 && typeof page.end === 'string' && page.end !== from ? page.end : undefined;
      }
      if (from) this.sync.log.warn({ component: 'matrix', roomId }, `more than ${MAX_BACKFILL_PAGES * 100} events arrived in ${roomId} while threaddesk was away; older ones were not handled`);
      const present = new Set(asEvents(timeline.events).map((e) => e.event_id));
      timeline.events = [...older.reverse().filter((e) => !present.has(e.event_id)), ...asEvents(timeline.events)];
      this.sync.log.info({ component: 'matrix', roomId, recovered: older.length }, 'completed a limited sync timeline from /messages');
    }
  }

  /** True when the event was handled already (a server may repeat events around gaps). */
  private seen(eventId: string): boolean {
    if (this.recent.has(eventId)) return true;
    this.recent.add(eventId);
    if (this.recent.size > RECENT_IDS) {
      const oldest = this.recent.values().next();
      if (!oldest.done) this.recent.delete(oldest.value);
    }
    return false;
  }
}
