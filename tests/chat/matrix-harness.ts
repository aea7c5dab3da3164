// The Matrix side of the chat contract: the homeserver double, the real adapter (and so the real
// matrix-bot-sdk) pointed at it, and the drivers/inspectors of ContractHarness implemented with
// Matrix's own shapes. "What a reader sees" is the event's HTML rendered to text with the latest
// edit applied; "pings" are what would notify someone (m.mentions, or legacy @room in the body).
import { convert } from 'html-to-text';
import type { ThreadRef } from '../../adapters/chat-port.js';
import { MatrixAdapter, memoryStore, type KeyValueStore, type LogSink, type MatrixAdapterOptions } from '../../adapters/matrix/index.js';
import { MatrixDouble, type Json, type StoredEvent } from '../doubles/matrix-double.js';
import type { ContractHarness, RenderedMessage } from './contract.js';
import { MatrixPeople } from './matrix-people.js';

export const ROOM = '!support:double.test';

export interface MatrixHarness extends ContractHarness {
  adapter: MatrixAdapter;
  double: MatrixDouble;
  people: MatrixPeople;
  store: KeyValueStore & { entries: Map<string, string> };
  log: RecordingLog;
  /** A second adapter on the same store and double, as after a restart. */
  restart(options?: Partial<MatrixAdapterOptions>): MatrixAdapter;
}

export class RecordingLog implements LogSink {
  readonly entries: Array<{ level: string; msg: string; obj: object }> = [];
  debug(obj: object, msg = ''): void { this.entries.push({ level: 'debug', msg, obj }); }
  info(obj: object, msg = ''): void { this.entries.push({ level: 'info', msg, obj }); }
  warn(obj: object, msg = ''): void { this.entries.push({ level: 'warn', msg, obj }); }
  error(obj: object, msg = ''): void { this.entries.push({ level: 'error', msg, obj }); }
  messages(level: string): string[] { return this.entries.filter((e) => e.level === level).map((e) => e.msg); }
}

const FILE_TYPES = new Set(['m.file', 'm.image', 'm.video', 'm.audio']);
const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const relOf = (s: StoredEvent) => asObj(s.event.content['m.relates_to']);
const isMessage = (s: StoredEvent) => s.event.type === 'm.room.message' && !s.redacted && relOf(s)?.rel_type !== 'm.replace';

export function htmlText(html: string): string {
  return convert(html, { wordwrap: false, selectors: [{ selector: 'a', options: { ignoreHref: true } }, { selector: 'p', format: 'block' }] }).trim();
}

/** What a Matrix reader sees of `content`, and who would be notified. */
export function renderMatrix(id: string, content: Json): RenderedMessage {
  const body = typeof content.body === 'string' ? content.body : '';
  const html = content.format === 'org.matrix.custom.html' && typeof content.formatted_body === 'string' ? content.formatted_body : undefined;
  const mentions = asObj(content['m.mentions']);
  const pings = mentions
    ? [...(Array.isArray(mentions.user_ids) ? mentions.user_ids.map(String) : []), ...(mentions.room === true ? ['@room'] : [])]
    : /@room\b/.test(body) ? ['@room'] : []; // legacy push rule, only without m.mentions
  const files = FILE_TYPES.has(String(content.msgtype)) ? [String(content.filename ?? body)] : [];
  return { id, text: html !== undefined ? htmlText(html) : body, pings, files };
}

export async function createMatrixHarness(options: Partial<MatrixAdapterOptions> = {}): Promise<MatrixHarness> {
  const double = await MatrixDouble.start();
  const alice = double.addUser('alice', 'Alice Agent');
  const bob = double.addUser('bob', 'Bob Other');
  double.addRoom({ roomId: ROOM, name: 'Support', members: [alice.userId, bob.userId] });
  const people = new MatrixPeople(double);
  const store = memoryStore();
  const log = new RecordingLog();
  const make = (extra: Partial<MatrixAdapterOptions> = {}) =>
    new MatrixAdapter({ homeserverUrl: double.url, accessToken: double.bot.accessToken, store, rooms: [ROOM], logger: log, syncTimeoutMs: 5000, ...options, ...extra });
  const adapter = make();
  const bot = double.bot.userId;

  const visible = (roomId: string, s: StoredEvent) => renderMatrix(s.event.event_id, double.visibleContent(roomId, s.event.event_id) ?? {});
  const inThread = (thread: ThreadRef) => double.timeline(thread.channelId).filter((s) => isMessage(s) && relOf(s)?.rel_type === 'm.thread' && relOf(s)?.event_id === thread.threadId);

  const settle = async (): Promise<void> => {
    // Caught up = the bot asked for everything after the newest event (so every earlier batch
    // was handled to the end) and nothing new arrived meanwhile. Bounded, and lenient once the
    // adapter is stopped.
    const deadline = Date.now() + 15_000;
    let stable = 0;
    while (Date.now() < deadline && stable < 3) {
      if (!adapter.botUserId && !double.caughtUp(bot)) return;
      const position = double.position;
      await new Promise((r) => setTimeout(r, 20));
      stable = double.caughtUp(bot) && double.position === position ? stable + 1 : 0;
    }
    if (stable < 3) throw new Error(`the Matrix adapter did not catch up with the double within 15 s (position ${double.position})`);
  };

  return {
    adapter, double, people, store, log, channelId: ROOM, users: { agent: alice.userId, other: bob.userId },
    restart: (extra) => make(extra),
    async simulateThreadMessage(thread, userId, text, opts = {}) {
      return people.threadMessage(userId, thread.channelId, thread.threadId, text, opts.files);
    },
    async simulateEdit(thread, messageId, userId, text) {
      people.edit(userId, thread.channelId, messageId, text);
    },
    async simulateDelete(thread, messageId, userId) {
      people.redact(userId, thread.channelId, messageId);
    },
    async simulateCommand(text, { userId, threadId }) {
      if (threadId) people.threadMessage(userId, ROOM, threadId, `!ticket ${text}`);
      else people.roomMessage(userId, ROOM, `!ticket ${text}`);
    },
    async simulateReaction(thread, messageId, emoji, { userId }) {
      people.react(userId, thread.channelId, messageId, emoji);
    },
    async simulateButton(thread, verb, { userId }) {
      // Press what the card shows: the bot's own reaction whose label names the verb.
      const buttons = double.timeline(thread.channelId).filter((s) => s.event.type === 'm.reaction' && !s.redacted && s.event.sender === bot && relOf(s)?.event_id === thread.cardMessageId);
      const key = buttons.map((s) => String(relOf(s)?.key)).find((k) => k.toLowerCase() === verb.toLowerCase());
      if (!key) throw new Error(`the card has no "${verb}" button; it shows ${buttons.map((s) => String(relOf(s)?.key)).join(', ') || 'none'}`);
      people.react(userId, thread.channelId, thread.cardMessageId, key);
    },
    async threadMessages(thread) {
      return inThread(thread).map((s) => visible(thread.channelId, s));
    },
    async cardOf(thread) {
      const card = double.event(thread.channelId, thread.cardMessageId);
      if (!card || card.redacted) throw new Error(`card ${thread.cardMessageId} not found in ${thread.channelId}`);
      return visible(thread.channelId, card);
    },
    async channelMessageIds(channelId) {
      return double.timeline(channelId).filter(isMessage).map((s) => s.event.event_id);
    },
    async ephemeralsFor(userId) {
      // Matrix has no ephemeral messages: a private answer is a notice in a direct room with the
      // user, or a notice that mentions only them (command answers in the thread).
      const out: RenderedMessage[] = [];
      for (const room of double.rooms.values()) {
        const direct = room.isDirect && ['join', 'invite'].includes(double.membership(room.roomId, userId) ?? '');
        for (const s of room.events) {
          if (!isMessage(s) || s.event.sender !== bot || s.event.content.msgtype !== 'm.notice') continue;
          const content = double.visibleContent(room.roomId, s.event.event_id) ?? {};
          const ids = asObj(content['m.mentions'])?.user_ids;
          if (direct || (Array.isArray(ids) && ids.length === 1 && ids[0] === userId)) out.push(renderMatrix(s.event.event_id, content));
        }
      }
      return out;
    },
    settle,
    async close() {
      await settle().catch(() => undefined);
      await double.close();
    },
  };
}
