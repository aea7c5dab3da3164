// The Matrix side of the chat port: lifecycle and outbound calls. A department is a room; a
// ticket is an `m.thread` rooted at its card; the card is edited in place with `m.replace`.
// Every outbound operation runs in its room's FIFO queue (calls.ts); inbound handling lives in
// inbound.ts, the sync loop in client.ts, rendering in format.ts.
import type { ChatActor, ChatAdapter, ChatAttachment, ChatHandlers, OutboundMessage, ThreadRef, TicketCard } from '../chat-port.js';
import { MatrixApi } from './api.js';
import { CardButtons } from './buttons.js';
import { BoundedCache } from '../bounded-cache.js';
import { CallQueue, type CallQueueOptions } from './calls.js';
import { ThreaddeskMatrixClient, type Json, type MatrixEvent } from './client.js';
import { ENCRYPTED_ROOM_HELP, runDoctor, type DoctorFinding } from './doctor.js';
import { buttonsFor, CARD_MARKER, renderCard, renderMessage, renderNotice, renderUploadFailure, type FormattedContent } from './format.js';
import { handleRoomEvent, type EventInfo, type InboundApi } from './inbound.js';
import { silentLog, type LogSink } from '../log-sink.js';
import { attachSdkLogging } from './log.js';
import { KeyValueStorageProvider, memoryStore, type KeyValueStore } from './storage.js';

export interface MatrixAdapterOptions {
  /** Client-server API base (MATRIX_HOMESERVER_URL), e.g. https://matrix.example.org. */
  homeserverUrl: string;
  /** The bot account's access token (MATRIX_ACCESS_TOKEN). */
  accessToken: string;
  /** Keeps the sync token (and direct-message rooms) across restarts; the core backs it with `checkpoints`. */
  store?: KeyValueStore;
  /** Department room ids: joined at start (and when invited), checked for encryption. */
  rooms?: string[];
  logger?: LogSink;
  /** Seed the card with Claim/Release/Waiting/Close reactions that act as buttons (default true). */
  cardButtons?: boolean;
  /** Long-poll timeout of /sync (default 30 s). */
  syncTimeoutMs?: number;
  /** Events per room and sync before /messages fills a gap (default 100). */
  timelineLimit?: number;
  calls?: CallQueueOptions;
}

/** Marks the attachment events that belong to one text message, so remove() finds them after a restart. */
const PART_OF = 'org.threaddesk.part_of';
const ENCRYPTION_RECHECK_MS = 10 * 60 * 1000;
const enc = encodeURIComponent;

function threadRelation(root: string, inReplyTo: string, fallingBack: boolean): Json {
  return { rel_type: 'm.thread', event_id: root, is_falling_back: fallingBack, 'm.in_reply_to': { event_id: inReplyTo } };
}

function replacement(eventId: string, content: FormattedContent): Json {
  // Clients without edit support show the fallback ("* new text"); the rest show m.new_content.
  return {
    msgtype: content.msgtype, body: `* ${content.body}`, format: content.format, formatted_body: `* ${content.formatted_body}`,
    'm.new_content': content, 'm.relates_to': { rel_type: 'm.replace', event_id: eventId }, 'm.mentions': {},
  };
}

export class MatrixAdapter implements ChatAdapter {
  readonly platform = 'matrix' as const;
  private readonly options: MatrixAdapterOptions;
  private readonly log: LogSink;
  private readonly store: KeyValueStore;
  private readonly calls: CallQueue;
  private readonly provider: KeyValueStorageProvider;
  private readonly client: ThreaddeskMatrixClient;
  private readonly api: MatrixApi;
  private readonly events = new BoundedCache<EventInfo>(20_000);
  private readonly latest = new BoundedCache<string>(5_000);
  private readonly buttons: CardButtons;
  private readonly actors = new BoundedCache<ChatActor>(2_000, 60 * 60 * 1000);
  private readonly encryptedRooms = new BoundedCache<boolean>(1_000, ENCRYPTION_RECHECK_MS);
  private readonly dms = new BoundedCache<string>(2_000, 10 * 60 * 1000);
  private readonly parts = new BoundedCache<string[]>(5_000);
  private identity: { userId: string; names: string[] } | undefined;
  private running = false;
  private detachLog: (() => void) | undefined;

  constructor(options: MatrixAdapterOptions) {
    if (!options.homeserverUrl) throw new Error('The Matrix homeserver URL is empty: set MATRIX_HOMESERVER_URL (e.g. https://matrix.example.org).');
    if (!options.accessToken) throw new Error('The Matrix access token is empty: set MATRIX_ACCESS_TOKEN (see the README on creating the bot account).');
    this.options = options;
    this.log = options.logger ?? silentLog;
    this.store = options.store ?? memoryStore();
    const homeserverUrl = options.homeserverUrl.replace(/\/+$/, '');
    this.calls = new CallQueue(homeserverUrl, {
      ...options.calls,
      onRateLimited: (info) => {
        this.log.warn({ component: 'matrix', ...info }, 'Matrix rate limit hit; waiting as asked');
        options.calls?.onRateLimited?.(info);
      },
    });
    this.provider = new KeyValueStorageProvider(this.store);
    this.client = new ThreaddeskMatrixClient(homeserverUrl, options.accessToken, this.provider, {
      timeoutMs: options.syncTimeoutMs ?? 30_000, timelineLimit: options.timelineLimit ?? 100, calls: this.calls, log: this.log,
    });
    this.api = new MatrixApi(this.client, this.calls);
    this.buttons = new CardButtons(this.api, this.log, () => this.identity?.userId);
  }

  /** The bot's own user id (from whoami at start), to recognise its own events. */
  get botUserId(): string | undefined {
    return this.identity?.userId;
  }

  async start(handlers: ChatHandlers): Promise<void> {
    if (this.running) throw new Error('The Matrix adapter is already started; call stop() first.');
    this.running = true;
    if (!this.options.store) this.log.warn({ component: 'matrix' }, 'no store given to the Matrix adapter: the sync position is lost on restart, so events sent while threaddesk is down are missed');
    this.detachLog = attachSdkLogging(this.log);
    try {
      const { user_id: userId } = await this.api.whoami();
      this.provider.bind(userId);
      const displayName = await this.api.displayName(userId).catch(() => undefined);
      const localpart = userId.slice(1).split(':')[0] ?? '';
      this.identity = { userId, names: [userId, ...(displayName ? [displayName] : []), localpart].filter((n, i, all) => n && all.indexOf(n) === i) };
      const joined = new Set(await this.api.joinedRooms());
      for (const roomId of this.options.rooms ?? []) await this.prepareRoom(roomId, joined.has(roomId));
      const context = { handlers, api: this.inboundApi(), log: this.log };
      this.client.setHooks({
        onRoomEvent: (roomId, event) => handleRoomEvent(context, roomId, event),
        onInvite: (roomId, event) => this.onInvite(roomId, event),
      });
      await this.client.start();
      this.log.info({ component: 'matrix', user: userId, homeserver: this.client.homeserverUrl }, 'Matrix adapter started');
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    // Halt first: the batch being handled finishes (and its token is stored) with everything intact.
    await this.client.halt();
    this.calls.stop();
    this.running = false;
    this.identity = undefined;
    this.detachLog?.();
    this.detachLog = undefined;
  }

  async openThread(channelId: string, card: TicketCard): Promise<ThreadRef> {
    await this.refuseEncrypted(channelId);
    const withButtons = this.options.cardButtons !== false;
    const cardId = await this.calls.run(channelId, async () => {
      const id = await this.api.send(channelId, 'm.room.message', renderCard(card, withButtons));
      this.events.set(`${channelId}|${id}`, { type: 'm.room.message', sender: this.identity?.userId ?? '', threadId: id, card: true, command: false });
      if (withButtons) await this.buttons.reconcile(channelId, id, buttonsFor(card));
      return id;
    });
    return { platform: 'matrix', channelId, threadId: cardId, cardMessageId: cardId };
  }

  async updateCard(thread: ThreadRef, card: TicketCard): Promise<void> {
    const withButtons = this.options.cardButtons !== false;
    await this.calls.run(thread.channelId, async () => {
      await this.api.send(thread.channelId, 'm.room.message', replacement(thread.cardMessageId, renderCard(card, withButtons)));
      if (withButtons) await this.buttons.reconcile(thread.channelId, thread.cardMessageId, buttonsFor(card));
    });
  }

  async post(thread: ThreadRef, message: OutboundMessage): Promise<string> {
    return this.calls.run(thread.channelId, async () => {
      const previous = await this.latestInThread(thread);
      const id = await this.api.send(thread.channelId, 'm.room.message', { ...renderMessage(message), 'm.relates_to': threadRelation(thread.threadId, previous, true) });
      this.noteInThread(thread, id);
      this.parts.set(id, []);
      if (message.attachments && message.attachments.length > 0) await this.attach(thread, id, message.attachments);
      return id;
    });
  }

  async edit(thread: ThreadRef, messageId: string, message: OutboundMessage): Promise<void> {
    await this.calls.run(thread.channelId, async () => {
      await this.api.send(thread.channelId, 'm.room.message', replacement(messageId, renderMessage(message)));
    });
  }

  async remove(thread: ThreadRef, messageId: string): Promise<void> {
    await this.calls.run(thread.channelId, async () => {
      // Attachments went out as their own events; after a restart they are found by their marker.
      const parts = this.parts.get(messageId) ?? (await this.api.relations(thread.channelId, thread.threadId, 'm.thread'))
        .filter((e) => e.sender === this.identity?.userId && e.content?.[PART_OF] === messageId)
        .map((e) => e.event_id);
      for (const id of [messageId, ...parts]) {
        try {
          await this.api.redact(thread.channelId, id);
        } catch (err) {
          // Already gone is what we wanted; a retried remove must not fail.
          if ((err as { errcode?: string }).errcode !== 'M_NOT_FOUND') throw err;
        }
      }
      this.latest.delete(thread.threadId);
      this.parts.delete(messageId);
    });
  }

  /**
   * A private answer: a notice in a direct-message room with the user. Matrix has no ephemeral
   * messages, and a mention in the department room would show the text to everyone in it.
   */
  async notify(target: { channelId: string; threadId?: string; userId: string }, text: string): Promise<void> {
    const content = renderNotice(text, target.userId);
    if (target.threadId) {
      const link = `https://matrix.to/#/${enc(target.channelId)}/${enc(target.threadId)}`;
      content.body += `\n\nTicket thread: ${link}`;
      content.formatted_body += `<p><a href="${link}">Open the ticket thread</a></p>`;
    }
    // One lookup at a time per user, so two answers at once cannot create two rooms.
    const roomId = await this.calls.run(`dm:${target.userId}`, () => this.directRoom(target.userId));
    await this.calls.run(roomId, () => this.api.send(roomId, 'm.room.message', { ...content }));
  }

  /** Checks the login (whoami) and, for each room id, membership and encryption. */
  async doctor(roomIds: string[] = []): Promise<DoctorFinding[]> {
    // Without this the SDK would print its own lines for every failed call to the console.
    const detach = this.detachLog ? undefined : attachSdkLogging(this.log);
    try {
      return await runDoctor(this.api, this.client.homeserverUrl, roomIds);
    } finally {
      detach?.();
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private async prepareRoom(roomId: string, joined: boolean): Promise<void> {
    try {
      if (!joined) {
        await this.api.join(roomId);
        this.log.info({ component: 'matrix', roomId }, 'joined a configured Matrix room');
      }
      await this.refuseEncrypted(roomId);
    } catch (err) {
      // One bad room must not keep the others from working; doctor reports it too.
      this.log.error({ component: 'matrix', err, roomId }, `Matrix room ${roomId} is not usable: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async onInvite(roomId: string, event: MatrixEvent): Promise<void> {
    if (!(this.options.rooms ?? []).includes(roomId)) {
      this.log.info({ component: 'matrix', roomId, inviter: event.sender }, `ignoring an invitation to ${roomId}: it is not a configured department room (add its id to the config to use it)`);
      return;
    }
    try {
      await this.api.join(roomId);
      await this.refuseEncrypted(roomId);
    } catch (err) {
      this.log.error({ component: 'matrix', err, roomId }, `could not join the configured Matrix room ${roomId}`);
    }
  }

  /** Throws (and logs) when the room is end-to-end encrypted. Cached for ten minutes. */
  private async refuseEncrypted(roomId: string): Promise<void> {
    let encrypted = this.encryptedRooms.get(roomId);
    if (encrypted === undefined) {
      encrypted = (await this.api.state(roomId, 'm.room.encryption')) !== null;
      this.encryptedRooms.set(roomId, encrypted);
    }
    if (!encrypted) return;
    const message = `Matrix room ${roomId} is end-to-end encrypted: ${ENCRYPTED_ROOM_HELP}.`;
    this.log.error({ component: 'matrix', roomId }, message);
    throw new Error(message);
  }

  /** The newest event in the thread, for the reply fallback of clients without threads. */
  private async latestInThread(thread: ThreadRef): Promise<string> {
    const known = this.latest.get(thread.threadId);
    if (known) return known;
    const [newest] = await this.api.relations(thread.channelId, thread.threadId, 'm.thread', undefined, 1);
    return newest?.event_id ?? thread.threadId;
  }

  private noteInThread(thread: ThreadRef, eventId: string): void {
    this.latest.set(thread.threadId, eventId);
    this.events.set(`${thread.channelId}|${eventId}`, { type: 'm.room.message', sender: this.identity?.userId ?? '', threadId: thread.threadId, card: false, command: false });
  }

  private async attach(thread: ThreadRef, textId: string, attachments: ChatAttachment[]): Promise<void> {
    const failed: string[] = [];
    for (const a of attachments) {
      try {
        const url = await this.api.upload(a.content, a.contentType, a.filename);
        const msgtype = a.contentType.startsWith('image/') ? 'm.image' : a.contentType.startsWith('video/') ? 'm.video' : a.contentType.startsWith('audio/') ? 'm.audio' : 'm.file';
        const id = await this.api.send(thread.channelId, 'm.room.message', {
          msgtype, body: a.filename, filename: a.filename, url, info: { mimetype: a.contentType, size: a.content.length },
          'm.mentions': {}, [PART_OF]: textId, 'm.relates_to': threadRelation(thread.threadId, this.latest.get(thread.threadId) ?? textId, true),
        });
        this.noteInThread(thread, id);
        this.parts.get(textId)?.push(id);
      } catch (err) {
        // The text is posted already; throwing would make the caller post it twice. Say so in the
        // thread instead, so nothing disappears silently.
        this.log.error({ component: 'matrix', err, file: a.filename }, 'uploading an attachment to Matrix failed');
        failed.push(a.filename);
      }
    }
    if (failed.length > 0) {
      const id = await this.api.send(thread.channelId, 'm.room.message', { ...renderUploadFailure(failed), [PART_OF]: textId, 'm.relates_to': threadRelation(thread.threadId, textId, true) });
      this.parts.get(textId)?.push(id);
    }
  }

  /** The direct-message room with `userId`: remembered in the store, created when missing or left. */
  private async directRoom(userId: string): Promise<string> {
    const key = `matrix:${this.identity?.userId ?? '?'}:dm:${userId}`;
    const checked = this.dms.get(userId);
    if (checked) return checked;
    const stored = await this.store.get(key);
    if (stored) {
      const member = await this.api.state(stored, 'm.room.member', userId).catch(() => null);
      if (member?.membership === 'join' || member?.membership === 'invite') {
        this.dms.set(userId, stored);
        return stored;
      }
    }
    const { room_id: roomId } = await this.api.createDirectRoom(userId);
    await this.store.set(key, roomId);
    this.dms.set(userId, roomId);
    return roomId;
  }

  private inboundApi(): InboundApi {
    const identity = this.identity!;
    return {
      botUserId: identity.userId,
      botNames: identity.names,
      actor: (userId) => this.actor(userId),
      info: (roomId, eventId) => this.eventInfo(roomId, eventId),
      remember: (roomId, eventId, info) => {
        this.events.set(`${roomId}|${eventId}`, info);
        if (info.threadId && info.threadId !== eventId) this.latest.set(info.threadId, eventId);
      },
      answer: async (roomId, threadId, replyTo, userId, markdown) => {
        const relation = threadId ? threadRelation(threadId, replyTo, false) : { 'm.in_reply_to': { event_id: replyTo } };
        await this.calls.run(roomId, () => this.api.send(roomId, 'm.room.message', { ...renderNotice(markdown, userId), 'm.relates_to': relation }));
      },
      download: (mxc) => this.api.download(mxc),
      encrypted: (roomId) => {
        if (this.encryptedRooms.get(roomId) === true) return;
        this.encryptedRooms.set(roomId, true);
        this.log.error({ component: 'matrix', roomId }, `Matrix room ${roomId} is end-to-end encrypted; its messages cannot be read: ${ENCRYPTED_ROOM_HELP}.`);
      },
    };
  }

  private async actor(userId: string): Promise<ChatActor> {
    const known = this.actors.get(userId);
    if (known) return known;
    let actor: ChatActor = { platform: 'matrix', userId };
    try {
      const displayName = await this.api.displayName(userId);
      if (displayName) actor = { ...actor, displayName };
    } catch (err) {
      // The name is a nicety; the id is what the core maps to an agent.
      this.log.warn({ component: 'matrix', err, userId }, 'could not look up a Matrix profile');
    }
    this.actors.set(userId, actor);
    return actor;
  }

  /** What an event is and which thread it is in: from the cache, else from the homeserver. */
  private async eventInfo(roomId: string, eventId: string): Promise<EventInfo | null> {
    const cached = this.events.get(`${roomId}|${eventId}`);
    if (cached) return cached;
    let event: MatrixEvent;
    try {
      event = await this.api.event(roomId, eventId);
    } catch (err) {
      this.log.debug({ component: 'matrix', err, roomId, eventId }, 'could not fetch a Matrix event to find its thread');
      return null;
    }
    const content = (event.content ?? {}) as Json;
    const rel = content['m.relates_to'] as Json | undefined;
    const card = event.sender === this.identity?.userId && content[CARD_MARKER] !== undefined;
    // A thread root carries its thread summary in the bundled aggregations.
    const isRoot = card || (event.unsigned as Json | undefined)?.['m.relations'] !== undefined && ((event.unsigned as Json)['m.relations'] as Json)['m.thread'] !== undefined;
    const threadId = isRoot ? eventId : rel?.rel_type === 'm.thread' && typeof rel.event_id === 'string' ? rel.event_id : null;
    const info: EventInfo = { type: event.type, sender: event.sender, threadId, card, command: false };
    this.events.set(`${roomId}|${eventId}`, info);
    return info;
  }
}
