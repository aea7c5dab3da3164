// Live updates to open console pages over server-sent events. Each connected page is a
// subscriber with its viewer (language, CSRF token) and the channels it may see; every event is
// rendered for each subscriber by the caller's renderer. The last events are kept in a ring
// buffer so a page that connects a moment after it was rendered (or reconnects) misses nothing;
// the buffer is a replay cache only — the pages themselves are rendered from the database.
import { randomBytes } from 'node:crypto';
import type { ChatAttachment, MessageKind, TicketCard } from '../chat-port.js';
import type { Viewer } from './format.js';

export interface LiveMessage {
  kind: MessageKind | 'message';
  authorName: string;
  text: string;
  origin?: string;
  files: { name: string; size: number }[];
  /** The web user who wrote it in the console (they may edit or undo it). */
  authorUserId?: string;
  pendingUntil?: Date;
  at?: Date;
}

export type LiveEvent =
  | { type: 'thread' | 'card'; channelId: string; threadId: string; cardMessageId: string; card: TicketCard }
  | { type: 'post' | 'edit'; channelId: string; threadId: string; id: string; message: LiveMessage; bodyOnly?: boolean }
  | { type: 'remove'; channelId: string; threadId: string; id: string }
  | { type: 'notice'; userId: string; channelId: string; threadId?: string; text: string; ok: boolean };

export interface Subscriber {
  viewer: Viewer;
  /** Channels this viewer may see; null = all (admins). */
  channels: ReadonlySet<string> | null;
  send(frame: string): void;
  close(): void;
}

export type Renderer = (event: LiveEvent, viewer: Viewer) => Record<string, unknown>;

export const filesOf = (attachments: ChatAttachment[] | undefined): LiveMessage['files'] =>
  (attachments ?? []).map((a) => ({ name: a.filename, size: a.content.length }));

export class LiveHub {
  /** Changes on every start: ids from an earlier process are recognised as stale. */
  readonly bootId = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly buffer: { seq: number; event: LiveEvent }[] = [];
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private readonly render: Renderer,
    private readonly bufferSize = 1000,
  ) {}

  /** The cursor a freshly rendered page starts from. */
  cursor(): string {
    return `${this.bootId}-${this.seq}`;
  }

  publish(event: LiveEvent): void {
    this.seq += 1;
    this.buffer.push({ seq: this.seq, event });
    if (this.buffer.length > this.bufferSize) this.buffer.shift();
    for (const s of this.subscribers) this.deliver(s, this.seq, event);
  }

  /**
   * Adds a subscriber and replays what it missed since `cursor`. When the cursor is from another
   * process or older than the buffer, the page is told to reload instead.
   */
  subscribe(s: Subscriber, cursor: string | undefined): () => void {
    this.subscribers.add(s);
    if (cursor) {
      const [boot, n] = cursor.split('-');
      const since = Number(n);
      const oldest = this.buffer[0]?.seq ?? this.seq + 1;
      const lost = since < this.seq && since + 1 < oldest;
      if (boot !== this.bootId || !Number.isInteger(since) || since > this.seq || lost) {
        s.send(frame('reset', `${this.bootId}-${this.seq}`, {}));
      } else {
        for (const b of this.buffer) if (b.seq > since) this.deliver(s, b.seq, b.event);
      }
    }
    return () => this.subscribers.delete(s);
  }

  get size(): number {
    return this.subscribers.size;
  }

  closeAll(): void {
    for (const s of this.subscribers) s.close();
    this.subscribers.clear();
  }

  private deliver(s: Subscriber, seq: number, event: LiveEvent): void {
    if (event.type === 'notice') {
      if (event.userId !== s.viewer.userId) return;
    } else if (s.channels && !s.channels.has(event.channelId)) {
      return;
    }
    try {
      s.send(frame(event.type, `${this.bootId}-${seq}`, this.render(event, s.viewer)));
    } catch {
      // A page that went away mid-write is cleaned up by its close handler.
    }
  }
}

function frame(type: string, id: string, data: Record<string, unknown>): string {
  // JSON never contains a raw newline, so one `data:` line per event is enough.
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
