// The web console as a chat platform (the fourth adapter on the chat port). Outbound, the core's
// card, posts, edits and removals become live events for the open console pages; inbound, what
// an agent does on a page (composer, edit, undo, card buttons, reactions, commands) becomes the
// same neutral events Slack's adapter produces, handed to the core's handlers. Like the other
// adapters it knows nothing of the database; the pages themselves are rendered from it.
import { randomUUID } from 'node:crypto';
import type {
  ChatAdapter,
  ChatHandlers,
  ChatActor,
  CommandAnswer,
  InboundCommand,
  InboundFile,
  OutboundMessage,
  ThreadRef,
  TicketCard,
} from '../chat-port.js';
import { CARD_BUTTONS } from './format.js';
import { filesOf, LiveHub, type LiveMessage, type Renderer } from './live-hub.js';

export interface WebUser {
  /** The agent's email: the web platform's user id. */
  userId: string;
  displayName: string;
}

export interface UploadedFile {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface WebAdapterOptions {
  render: Renderer;
  /** How the core will file a composer message (reply or note), so its echo shows it right away. */
  classify?(text: string): { kind: 'reply' | 'note'; text: string };
  /** The undo window of public replies, shown on the echo of a reply. */
  undoSeconds?: number;
  now?(): Date;
}

/** `!ticket …` or `/ticket …` in the composer is a command, never a message. */
const COMMAND_PREFIX = /^\s*[!/]ticket\b\s*/i;

export class WebAdapter implements ChatAdapter {
  readonly platform = 'web' as const;
  readonly hub: LiveHub;
  private handlers: ChatHandlers | null = null;
  /** Inbound work still running, so tests and shutdown can wait for it. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: WebAdapterOptions) {
    this.hub = new LiveHub(options.render);
  }

  get started(): boolean {
    return this.handlers !== null;
  }

  async start(handlers: ChatHandlers): Promise<void> {
    this.handlers = handlers;
  }

  async stop(): Promise<void> {
    await this.settle();
    this.handlers = null;
    this.hub.closeAll();
  }

  /** Waits for inbound work in progress. */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // ------------------------------------------------------------------ outbound (the chat port)

  async openThread(channelId: string, card: TicketCard): Promise<ThreadRef> {
    // Derived from the ticket, so a retried delivery finds the same thread instead of a second one.
    const thread: ThreadRef = { platform: 'web', channelId, threadId: `t${card.ticketId}`, cardMessageId: `card-${card.ticketId}` };
    this.hub.publish({ type: 'thread', channelId, threadId: thread.threadId, cardMessageId: thread.cardMessageId, card });
    return thread;
  }

  async updateCard(thread: ThreadRef, card: TicketCard): Promise<void> {
    this.hub.publish({ type: 'card', channelId: thread.channelId, threadId: thread.threadId, cardMessageId: thread.cardMessageId, card });
  }

  async post(thread: ThreadRef, message: OutboundMessage): Promise<string> {
    const id = newMessageId();
    this.hub.publish({ type: 'post', channelId: thread.channelId, threadId: thread.threadId, id, message: { ...liveMessage(message), at: this.now() } });
    return id;
  }

  async edit(thread: ThreadRef, messageId: string, message: OutboundMessage): Promise<void> {
    this.hub.publish({ type: 'edit', channelId: thread.channelId, threadId: thread.threadId, id: messageId, message: liveMessage(message) });
  }

  async remove(thread: ThreadRef, messageId: string): Promise<void> {
    this.hub.publish({ type: 'remove', channelId: thread.channelId, threadId: thread.threadId, id: messageId });
  }

  async notify(target: { channelId: string; threadId?: string; userId: string }, text: string): Promise<void> {
    this.hub.publish({ type: 'notice', userId: target.userId, channelId: target.channelId, threadId: target.threadId, text, ok: false });
  }

  async lookupEmail(userId: string): Promise<string | null> {
    return /^[^\s@]+@[^\s@]+$/.test(userId) ? userId.toLowerCase() : null;
  }

  // ------------------------------------------------------------------ inbound (console actions)

  /** The composer: a command, or a message in the thread (echoed to every open page at once). */
  async say(user: WebUser, channelId: string, threadId: string, text: string, files: UploadedFile[] = []): Promise<{ messageId?: string; answer?: CommandAnswer }> {
    if (COMMAND_PREFIX.test(text)) {
      return { answer: await this.command(user, { channelId, threadId, text: text.replace(COMMAND_PREFIX, ''), source: 'text' }) };
    }
    const handlers = this.requireHandlers();
    const messageId = newMessageId();
    const classified = this.options.classify?.(text) ?? { kind: 'message' as const, text };
    const pendingUntil =
      classified.kind === 'reply' && (this.options.undoSeconds ?? 0) > 0 ? new Date(this.now().getTime() + this.options.undoSeconds! * 1000) : undefined;
    const echo: LiveMessage = {
      kind: classified.kind,
      authorName: user.displayName,
      text: classified.text || text,
      origin: 'web',
      files: files.map((f) => ({ name: f.filename, size: f.content.length })),
      authorUserId: user.userId,
      pendingUntil,
      at: this.now(),
    };
    this.hub.publish({ type: 'post', channelId, threadId, id: messageId, message: echo });
    const inbound: InboundFile[] = files.map((f) => ({ filename: f.filename, contentType: f.contentType, fetch: async () => f.content }));
    await this.track(handlers.onThreadMessage({ platform: 'web', channelId, threadId, messageId, actor: actorOf(user), text, files: inbound }));
    return { messageId };
  }

  async editMessage(user: WebUser, channelId: string, threadId: string, messageId: string, text: string): Promise<void> {
    const handlers = this.requireHandlers();
    const classified = this.options.classify?.(text) ?? { kind: 'message' as const, text };
    this.hub.publish({
      type: 'edit',
      channelId,
      threadId,
      id: messageId,
      message: { kind: classified.kind, authorName: user.displayName, text: classified.text || text, origin: 'web', files: [], authorUserId: user.userId },
      // The page keeps what it shows besides the text (files, the undo window).
      bodyOnly: true,
    });
    await this.track(handlers.onMessageEdited({ platform: 'web', channelId, threadId, messageId, actor: actorOf(user), text }));
  }

  async deleteMessage(user: WebUser, channelId: string, threadId: string, messageId: string): Promise<void> {
    const handlers = this.requireHandlers();
    this.hub.publish({ type: 'remove', channelId, threadId, id: messageId });
    await this.track(handlers.onMessageDeleted({ platform: 'web', channelId, threadId, messageId, actor: actorOf(user) }));
  }

  /** A command from the composer, the command box or a button; the answer goes to its author only. */
  async command(user: WebUser, c: { channelId: string; threadId?: string; text: string; source: InboundCommand['source'] }): Promise<CommandAnswer> {
    const handlers = this.requireHandlers();
    const answer = await this.track(handlers.onCommand({ platform: 'web', actor: actorOf(user), channelId: c.channelId, threadId: c.threadId, text: c.text.trim(), source: c.source }));
    this.hub.publish({ type: 'notice', userId: user.userId, channelId: c.channelId, threadId: c.threadId, text: answer.text, ok: answer.ok });
    return answer;
  }

  async button(user: WebUser, channelId: string, threadId: string, verb: string): Promise<CommandAnswer> {
    const line = CARD_BUTTONS[verb];
    if (!line) return { ok: false, text: `Unknown button "${verb}".` };
    return this.command(user, { channelId, threadId, text: line, source: 'button' });
  }

  async react(user: WebUser, channelId: string, threadId: string, messageId: string, emoji: string): Promise<void> {
    const handlers = this.requireHandlers();
    await this.track(handlers.onReaction({ platform: 'web', actor: actorOf(user), channelId, threadId, messageId, emoji }));
  }

  private requireHandlers(): ChatHandlers {
    if (!this.handlers) throw new Error('The web console is still starting; try again in a moment.');
    return this.handlers;
  }

  private async track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    try {
      return await work;
    } finally {
      this.inFlight.delete(work);
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

const newMessageId = (): string => `m-${randomUUID()}`;

const actorOf = (user: WebUser): ChatActor => ({ platform: 'web', userId: user.userId, displayName: user.displayName });

function liveMessage(m: OutboundMessage): LiveMessage {
  return { kind: m.kind, authorName: m.authorName, text: m.text, origin: m.origin, files: filesOf(m.attachments) };
}
