// Outbound REST work: cards, threads and forum posts, thread messages with files, edits,
// deletions and direct messages. Threads of tickets that are not open are archived (Discord
// allows 1 000 active threads per guild) and unarchived on reopen; a post into a thread that we
// archived keeps it archived.
import { Routes, type REST } from 'discord.js';
import type { ChatAttachment, OutboundMessage, ThreadRef, TicketCard } from '../chat-port.js';
import { BoundedCache } from '../bounded-cache.js';
import { discordCode, isForum, isTextChannel, sameTags, tagsForStatus, type ChannelDirectory } from './channels.js';
import { explain } from './errors.js';
import { LIMITS, NO_MENTIONS, OVERFLOW_FILENAME, renderCard, renderMessage, shouldArchive, splitText, threadName } from './format.js';
import type { LogSink } from '../log-sink.js';

export type ChannelKind = 'text' | 'forum';

export interface OutboundDeps {
  rest: REST;
  directory: ChannelDirectory;
  logger: LogSink;
  channelKinds: Record<string, ChannelKind>;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const idOf = (v: unknown, what: string): string => {
  const id = asObj(v).id;
  if (typeof id !== 'string') throw new Error(`Discord accepted ${what} but returned no id; check DISCORD_API_URL points at Discord's API.`);
  return id;
};

/** Seven days: the longest auto-archive Discord offers, so open tickets stay visible. */
const AUTO_ARCHIVE_MINUTES = 10_080;
/** Discord's default upload limit for bots in servers without boosts. */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

export class Outbound {
  private readonly own = new BoundedCache<true>(20_000, 7 * 24 * 60 * 60 * 1000);
  private readonly removed = new BoundedCache<true>(5_000, 60 * 60 * 1000);
  private readonly archivedByUs = new BoundedCache<true>(20_000);
  private readonly dms = new BoundedCache<string>(2_000);

  constructor(private readonly deps: OutboundDeps) {}

  isOwn(messageId: string): boolean {
    return this.own.has(messageId);
  }

  deletedByUs(messageId: string): boolean {
    return this.removed.has(messageId);
  }

  async openThread(channelId: string, card: TicketCard): Promise<ThreadRef> {
    const { rest, directory } = this.deps;
    const kind = await this.kindOf(channelId);
    const payload = renderCard(card);
    if (kind === 'forum') {
      const forum = await directory.resolve(channelId);
      const tags = tagsForStatus(forum ?? undefined, [], card.status);
      const body = { name: threadName(card), auto_archive_duration: AUTO_ARCHIVE_MINUTES, applied_tags: tags, message: payload };
      const res = await this.call(`open a forum post in ${channelId}`, () => rest.post(Routes.threads(channelId), { body }));
      const threadId = idOf(res, 'the forum post');
      directory.learn(res, forum?.guildId);
      // A forum post's first message has the post's id.
      const cardMessageId = typeof asObj(asObj(res).message).id === 'string' ? String(asObj(asObj(res).message).id) : threadId;
      this.own.set(cardMessageId, true);
      return { platform: 'discord', channelId, threadId, cardMessageId };
    }
    const card$ = await this.call(`post the ticket card in ${channelId}`, () => rest.post(Routes.channelMessages(channelId), { body: payload }));
    const cardMessageId = idOf(card$, 'the ticket card');
    this.own.set(cardMessageId, true);
    try {
      const thread = await rest.post(Routes.threads(channelId, cardMessageId), { body: { name: threadName(card), auto_archive_duration: AUTO_ARCHIVE_MINUTES } });
      directory.learn(thread);
      return { platform: 'discord', channelId, threadId: idOf(thread, 'the thread'), cardMessageId };
    } catch (err) {
      // A card without its thread would invite clicks that lead nowhere; the caller retries anew.
      this.removed.set(cardMessageId, true);
      await rest.delete(Routes.channelMessage(channelId, cardMessageId)).catch(() => undefined);
      throw explain(err, `start the ticket thread in ${channelId}`);
    }
  }

  async updateCard(thread: ThreadRef, card: TicketCard): Promise<void> {
    const { rest, directory } = this.deps;
    const kind = await this.kindOf(thread.channelId);
    const info = await directory.resolve(thread.threadId);
    const archive = shouldArchive(card);
    let archived = info?.archived === true;
    // A forum card sits inside its post, and an archived thread's messages cannot be edited.
    if (archived && (!archive || kind === 'forum')) {
      await this.patchThread(thread.threadId, { archived: false });
      archived = false;
    }
    if (!archive) this.archivedByUs.delete(thread.threadId);
    const cardChannel = kind === 'forum' ? thread.threadId : thread.channelId;
    await this.call(`update the ticket card ${thread.cardMessageId}`, () =>
      rest.patch(Routes.channelMessage(cardChannel, thread.cardMessageId), { body: renderCard(card) }),
    );
    const change: Json = {};
    if (kind === 'forum' && info) {
      const tags = tagsForStatus(await directory.resolve(thread.channelId) ?? undefined, info.appliedTags ?? [], card.status);
      if (!sameTags(info.appliedTags, tags)) change.applied_tags = tags;
    }
    if (archive && !archived) change.archived = true;
    if (Object.keys(change).length > 0) await this.patchThread(thread.threadId, change);
    if (archive) this.archivedByUs.set(thread.threadId, true);
  }

  async post(thread: ThreadRef, message: OutboundMessage): Promise<string> {
    const rendered = renderMessage(message);
    const files: ChatAttachment[] = [...(rendered.overflow ? [rendered.overflow] : []), ...(message.attachments ?? [])];
    const tooLarge = files.filter((f) => f.content.length > MAX_UPLOAD_BYTES);
    const batches = batch(files.filter((f) => f.content.length <= MAX_UPLOAD_BYTES));
    const first = await this.send(thread, rendered.content, batches.shift() ?? []);
    for (const files of batches) await this.send(thread, '', files);
    if (tooLarge.length > 0) {
      const names = tooLarge.map((f) => f.filename).join(', ');
      await this.send(thread, `⚠️ ${names} ${tooLarge.length > 1 ? 'are' : 'is'} too large for Discord; kept in the ticket.`, []);
    }
    return first;
  }

  async edit(thread: ThreadRef, messageId: string, message: OutboundMessage): Promise<void> {
    const { rest } = this.deps;
    const rendered = renderMessage(message);
    await this.inThread(thread.threadId, `edit message ${messageId}`, async () => {
      // The attachments to keep must be named, or an edit that adds the overflow file drops them.
      const current = asObj(await rest.get(Routes.channelMessage(thread.threadId, messageId)));
      const existing = (Array.isArray(current.attachments) ? current.attachments : []).map(asObj);
      const keep = existing.filter((a) => a.filename !== OVERFLOW_FILENAME).map((a) => ({ id: a.id }));
      const changesFiles = rendered.overflow !== undefined || keep.length !== existing.length;
      const files = rendered.overflow ? [rendered.overflow] : [];
      const body = {
        content: rendered.content, allowed_mentions: NO_MENTIONS,
        ...(changesFiles ? { attachments: [...keep, ...files.map((f, i) => ({ id: i, filename: f.filename }))] } : {}),
      };
      await rest.patch(Routes.channelMessage(thread.threadId, messageId), { body, files: files.map(toRawFile) });
    });
  }

  async remove(thread: ThreadRef, messageId: string): Promise<void> {
    this.removed.set(messageId, true);
    try {
      await this.inThread(thread.threadId, `delete message ${messageId}`, () => this.deps.rest.delete(Routes.channelMessage(thread.threadId, messageId)));
    } catch (err) {
      // Already gone is what we wanted; a retried delete must not fail.
      if (discordCode(err instanceof Error ? err.cause : undefined) === 10008) return;
      throw err;
    }
  }

  /**
   * A private message: DM, or — when the user does not accept DMs from server members — a reply
   * in `fallbackChannelId` that pings only that user.
   */
  async directMessage(userId: string, text: string, fallbackChannelId?: string, replyTo?: string): Promise<void> {
    const { rest } = this.deps;
    try {
      let dm = this.dms.get(userId);
      if (!dm) {
        dm = idOf(await rest.post(Routes.userChannels(), { body: { recipient_id: userId } }), 'the direct message channel');
        this.dms.set(userId, dm);
      }
      for (const part of splitText(text)) await rest.post(Routes.channelMessages(dm), { body: { content: part, allowed_mentions: NO_MENTIONS } });
      return;
    } catch (err) {
      // 50007: the user does not accept direct messages from this server's members.
      if (discordCode(err) !== 50007 || !fallbackChannelId) throw explain(err, `send a direct message to ${userId}`);
      this.deps.logger.warn({ component: 'discord', userId }, 'the user does not accept direct messages; answering in the channel instead');
    }
    for (const part of splitText(`<@${userId}> ${text}`)) {
      const body = {
        content: part, allowed_mentions: { parse: [], users: [userId] },
        ...(replyTo ? { message_reference: { message_id: replyTo, fail_if_not_exists: false } } : {}),
      };
      const res = await this.call(`answer ${userId} in ${fallbackChannelId}`, () => rest.post(Routes.channelMessages(fallbackChannelId), { body }));
      this.own.set(idOf(res, 'the answer'), true);
    }
  }

  private async kindOf(channelId: string): Promise<ChannelKind> {
    const configured = this.deps.channelKinds[channelId];
    // The configured kind saves a look-up; when Discord has told us otherwise, say so plainly.
    const known = this.deps.directory.peek(channelId);
    if (configured && known && (isForum(known) || isTextChannel(known)) && (configured === 'forum') !== isForum(known)) {
      const actual = isForum(known) ? 'forum' : 'text';
      throw new Error(`The config says Discord channel ${known.name ? `#${known.name}` : channelId} is a ${configured} channel but it is a ${actual} channel: set its kind to "${actual}" or leave it out (threaddesk can tell).`);
    }
    if (configured) return configured;
    const info = await this.deps.directory.require(channelId, 'department channel');
    if (isForum(info)) return 'forum';
    if (isTextChannel(info)) return 'text';
    throw new Error(`Discord channel ${info.name ? `#${info.name}` : channelId} is neither a text nor a forum channel: bind a text or forum channel to the department.`);
  }

  private async send(thread: ThreadRef, content: string, files: ChatAttachment[]): Promise<string> {
    const { rest } = this.deps;
    const body = (withFiles: boolean, note = '') => ({
      content: `${content}${note}`.slice(0, LIMITS.content), allowed_mentions: NO_MENTIONS,
      ...(withFiles && files.length > 0 ? { attachments: files.map((f, i) => ({ id: i, filename: f.filename })) } : {}),
    });
    const create = (withFiles: boolean, note?: string) =>
      rest.post(Routes.channelMessages(thread.threadId), { body: body(withFiles, note), ...(withFiles ? { files: files.map(toRawFile) } : {}) });
    let res: unknown;
    try {
      res = await this.inThread(thread.threadId, `post into thread ${thread.threadId}`, () => create(true));
    } catch (err) {
      const cause = err instanceof Error ? err.cause : undefined;
      const status = typeof cause === 'object' && cause !== null && 'status' in cause ? cause.status : undefined;
      if (files.length === 0 || (discordCode(cause) !== 40005 && status !== 413)) throw err;
      // The text must not be lost because a file was refused; say which file is missing.
      const names = files.map((f) => f.filename).join(', ');
      this.deps.logger.warn({ component: 'discord', err, names }, 'Discord refused the attachments; posting the text alone');
      res = await this.inThread(thread.threadId, `post into thread ${thread.threadId}`, () => create(false, `\n⚠️ ${names} could not be uploaded to Discord; kept in the ticket.`));
    }
    const id = idOf(res, 'the message');
    this.own.set(id, true);
    return id;
  }

  /** Runs a call in a thread; an archived thread is unarchived for it (and re-archived if we had archived it). */
  private async inThread<T>(threadId: string, what: string, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (discordCode(err) !== 50083) throw explain(err, what);
      await this.patchThread(threadId, { archived: false });
      result = await this.call(what, fn);
    }
    if (this.archivedByUs.has(threadId)) {
      // Posting may have unarchived it (Discord does that for a new message): a closed ticket's thread stays archived.
      await this.patchThread(threadId, { archived: true }).catch((err: unknown) => {
        if (discordCode(err instanceof Error ? err.cause : undefined) !== 50083) this.deps.logger.warn({ component: 'discord', err, threadId }, 'could not archive the thread again');
      });
    }
    return result;
  }

  private async patchThread(threadId: string, body: Json): Promise<void> {
    const res = await this.call(`change thread ${threadId}`, () => this.deps.rest.patch(Routes.channel(threadId), { body }));
    this.deps.directory.learn(res);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw explain(err, what);
    }
  }
}

function toRawFile(f: ChatAttachment): { name: string; data: Buffer; contentType: string } {
  return { name: f.filename, data: f.content, contentType: f.contentType };
}

/** At most 10 files and MAX_UPLOAD_BYTES per message (Discord's limits). */
function batch(files: ChatAttachment[]): ChatAttachment[][] {
  const out: ChatAttachment[][] = [];
  let current: ChatAttachment[] = [];
  let size = 0;
  for (const f of files) {
    if (current.length === LIMITS.filesPerMessage || (current.length > 0 && size + f.content.length > MAX_UPLOAD_BYTES)) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += f.content.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}
