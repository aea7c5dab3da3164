// Gateway dispatches (MESSAGE_CREATE/UPDATE/DELETE, MESSAGE_REACTION_ADD) → neutral values →
// the core's handlers. Payloads are read from the raw gateway data, defensively: discord.js
// drops events for channels and messages it has not cached, and after a restart that would be
// most ticket threads. Interactions (slash commands, buttons) live in interactions.ts.
import type { ChatActor, ChatHandlers, InboundCommand, InboundFile } from '../chat-port.js';
import { isThread, type ChannelDirectory, type ChannelInfo } from './channels.js';
import { BoundedCache } from '../bounded-cache.js';
import { discordTextToMarkdown, reactionEmoji, type MentionedUser } from './format.js';
import type { LogSink } from '../log-sink.js';

export type Json = Record<string, unknown>;
export const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
export const str = (o: Json | undefined, key: string): string | undefined => (typeof o?.[key] === 'string' ? (o[key] as string) : undefined);

/** What inbound needs from the adapter. */
export interface InboundApi {
  directory: ChannelDirectory;
  botUserId(): string | undefined;
  /** True for messages this process posted (their echo must not come back as inbound). */
  isOwnMessage(messageId: string): boolean;
  /** True when remove() deleted it: MESSAGE_DELETE does not say who did. */
  deletedByUs(messageId: string): boolean;
  /** The private answer to a `!ticket` message (Discord has no ephemeral messages outside interactions). */
  answerPrivately(target: { userId: string; channelId: string; messageId: string }, text: string): Promise<void>;
  download(url: string): Promise<Buffer>;
}

export interface Seen { authorId: string; text: string; command: boolean }

export interface InboundContext {
  handlers: ChatHandlers;
  logger: LogSink;
  api: InboundApi;
  /** Messages seen recently: MESSAGE_DELETE carries no author, MESSAGE_UPDATE may repeat the text. */
  seen: BoundedCache<Seen>;
}

export function newSeenCache(): BoundedCache<Seen> {
  return new BoundedCache<Seen>(5_000, 24 * 60 * 60 * 1000);
}

/** Message types a person writes (0 default, 19 reply); the rest are system notices. */
const PERSON_MESSAGE_TYPES = new Set([0, 19]);

/** `!ticket claim` / `<@BOT> claim` → the command line; null for an ordinary message. */
export function parseCommand(text: string, botUserId: string | undefined): { source: 'text' | 'mention'; text: string } | null {
  const trimmed = text.trim();
  const bang = /^!ticket(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (bang) return { source: 'text', text: normaliseMentions(bang[1] ?? '').trim() };
  const mention = /^<@!?(\d+)>[\s,:]*([\s\S]*)$/.exec(trimmed);
  if (mention && botUserId && mention[1] === botUserId) return { source: 'mention', text: normaliseMentions(mention[2] ?? '').trim() };
  return null;
}

/** `<@!id>` (the old nickname form) → `<@id>`, the form the core resolves. */
function normaliseMentions(text: string): string {
  return text.replace(/<@!(\d+)>/g, '<@$1>');
}

export function actorOf(user: Json | undefined, member?: Json): ChatActor | null {
  const userId = str(user, 'id');
  if (!userId) return null;
  const displayName = str(member, 'nick') ?? str(user, 'global_name') ?? str(user, 'username');
  return { platform: 'discord', userId, ...(displayName ? { displayName } : {}) };
}

function isFromBot(ctx: InboundContext, author: Json | undefined, message: Json): boolean {
  return author?.bot === true || str(author, 'id') === ctx.api.botUserId() || message.webhook_id !== undefined;
}

/** The department channel and thread of a channel id; undefined parent means not in a guild thread. */
function placeOf(channel: ChannelInfo): { channelId: string; threadId?: string } | null {
  if (!isThread(channel)) return { channelId: channel.id };
  return channel.parentId ? { channelId: channel.parentId, threadId: channel.id } : null;
}

function filesOf(ctx: InboundContext, message: Json): InboundFile[] {
  const attachments = Array.isArray(message.attachments) ? message.attachments : [];
  return attachments.flatMap((raw): InboundFile[] => {
    const a = asObj(raw);
    const url = str(a, 'url') ?? str(a, 'proxy_url');
    if (!a || !url) return [];
    return [{
      filename: str(a, 'filename') ?? str(a, 'id') ?? 'file',
      contentType: str(a, 'content_type') ?? 'application/octet-stream',
      fetch: () => ctx.api.download(url),
    }];
  });
}

const INTERNAL_ERROR = 'threaddesk could not run that command because of an internal error; it has been logged.';

/** Runs a command; a thrown error becomes a polite answer (the details go to the log). */
export async function runCommand(handlers: ChatHandlers, logger: LogSink, command: InboundCommand): Promise<string> {
  try {
    return (await handlers.onCommand(command)).text;
  } catch (err) {
    logger.error({ component: 'discord', err, command: command.text }, 'a Discord command failed');
    return INTERNAL_ERROR;
  }
}

export async function onMessageCreate(ctx: InboundContext, d: Json): Promise<void> {
  const author = asObj(d.author);
  const id = str(d, 'id');
  const channelId = str(d, 'channel_id');
  if (!id || !channelId || !author || !str(d, 'guild_id') || isFromBot(ctx, author, d)) return;
  if (typeof d.type === 'number' && !PERSON_MESSAGE_TYPES.has(d.type)) return;
  const content = str(d, 'content') ?? '';
  const command = parseCommand(content, ctx.api.botUserId());
  const actor = actorOf(author, asObj(d.member));
  if (!actor) return;
  ctx.seen.set(id, { authorId: actor.userId, text: content, command: command !== null });
  const channel = await ctx.api.directory.resolve(channelId);
  const place = channel ? placeOf(channel) : null;
  if (!place) return;
  if (command) {
    const answer = await runCommand(ctx.handlers, ctx.logger, { platform: 'discord', actor, ...place, text: command.text, source: command.source });
    await ctx.api.answerPrivately({ userId: actor.userId, channelId, messageId: id }, answer);
  } else if (place.threadId) {
    const mentions = Array.isArray(d.mentions) ? (d.mentions as MentionedUser[]) : [];
    await ctx.handlers.onThreadMessage({
      platform: 'discord', channelId: place.channelId, threadId: place.threadId, messageId: id, actor,
      text: discordTextToMarkdown(content, mentions), files: filesOf(ctx, d),
    });
  }
}

export async function onMessageUpdate(ctx: InboundContext, d: Json): Promise<void> {
  const id = str(d, 'id');
  const channelId = str(d, 'channel_id');
  if (!id || !channelId || ctx.api.isOwnMessage(id)) return;
  const before = ctx.seen.get(id);
  const author = asObj(d.author);
  if (author && isFromBot(ctx, author, d)) return;
  // Discord also sends MESSAGE_UPDATE when it adds link previews: no edit time, or the same text.
  const content = str(d, 'content');
  if (content === undefined || !str(d, 'edited_timestamp') || content === before?.text) return;
  const actor = actorOf(author ?? (before ? { id: before.authorId } : undefined), asObj(d.member));
  if (!actor) return;
  // Commands are not replies, and editing one does not run it again.
  const command = before?.command === true || parseCommand(content, ctx.api.botUserId()) !== null;
  ctx.seen.set(id, { authorId: actor.userId, text: content, command });
  if (command) return;
  const channel = await ctx.api.directory.resolve(channelId);
  const place = channel ? placeOf(channel) : null;
  if (!place?.threadId) return;
  const mentions = Array.isArray(d.mentions) ? (d.mentions as MentionedUser[]) : [];
  await ctx.handlers.onMessageEdited({ platform: 'discord', ...place, threadId: place.threadId, messageId: id, actor, text: discordTextToMarkdown(content, mentions) });
}

export async function onMessageDelete(ctx: InboundContext, d: Json, messageId = str(d, 'id')): Promise<void> {
  const channelId = str(d, 'channel_id');
  if (!messageId || !channelId || ctx.api.isOwnMessage(messageId) || ctx.api.deletedByUs(messageId)) return;
  const before = ctx.seen.get(messageId);
  if (before?.command) return;
  const channel = await ctx.api.directory.resolve(channelId);
  const place = channel ? placeOf(channel) : null;
  if (!place?.threadId) return;
  // Discord does not say who deleted; the author is the best guess (or nobody, after a restart).
  const actor = before ? actorOf({ id: before.authorId }) : null;
  await ctx.handlers.onMessageDeleted({ platform: 'discord', ...place, threadId: place.threadId, messageId, ...(actor ? { actor } : {}) });
}

export async function onMessageDeleteBulk(ctx: InboundContext, d: Json): Promise<void> {
  const ids = Array.isArray(d.ids) ? d.ids.filter((x): x is string => typeof x === 'string') : [];
  for (const id of ids) await onMessageDelete(ctx, d, id);
}

export async function onReactionAdd(ctx: InboundContext, d: Json): Promise<void> {
  const userId = str(d, 'user_id');
  const channelId = str(d, 'channel_id');
  const messageId = str(d, 'message_id');
  const emoji = reactionEmoji(asObj(d.emoji) ?? {});
  const member = asObj(d.member);
  if (!userId || !channelId || !messageId || !emoji || !str(d, 'guild_id') || userId === ctx.api.botUserId()) return;
  if (asObj(member?.user)?.bot === true) return;
  const channel = await ctx.api.directory.resolve(channelId);
  const place = channel ? placeOf(channel) : null;
  if (!place) return;
  // Outside a thread the only ticket message is the card, and a thread started from a message
  // has that message's id: the card's id is the thread's id.
  const threadId = place.threadId ?? messageId;
  const actor = actorOf(asObj(member?.user) ?? { id: userId }, member);
  if (!actor) return;
  await ctx.handlers.onReaction({ platform: 'discord', actor, channelId: place.channelId, threadId, messageId, emoji });
}
