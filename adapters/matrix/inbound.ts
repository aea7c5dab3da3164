// Sync events → neutral values → the core's handlers. Content is read defensively from `unknown`
// (clients add fields and skip others; a surprise is skipped, never a crash), and the bot's own
// events are dropped first thing, so nothing we post comes back as input.
import type { ChatActor, ChatHandlers, InboundCommand, InboundFile } from '../chat-port.js';
import type { Json, MatrixEvent } from './client.js';
import { reactionKeyToUnicode } from './emoji.js';
import { commandForButton, inboundText } from './format.js';
import type { LogSink } from '../log-sink.js';

/** What the adapter knows about an event: which thread it is in, who wrote it, what it was. */
export interface EventInfo {
  type: string;
  sender: string;
  /** The thread root; the event's own id for a thread root (a card). Null: not in a thread. */
  threadId: string | null;
  card: boolean;
  command: boolean;
}

export interface InboundApi {
  botUserId: string;
  /** Names people use to address the bot: its user id, localpart and display name. */
  botNames: string[];
  actor(userId: string): Promise<ChatActor>;
  info(roomId: string, eventId: string): Promise<EventInfo | null>;
  remember(roomId: string, eventId: string, info: EventInfo): void;
  /** A notice answering `userId`, as a reply to `replyTo`, in the thread when there is one. */
  answer(roomId: string, threadId: string | undefined, replyTo: string, userId: string, markdown: string): Promise<void>;
  download(mxc: string): Promise<Buffer>;
  /** Called when a room turns out to be encrypted (an m.room.encryption or m.room.encrypted event). */
  encrypted(roomId: string): void;
}

export interface InboundContext {
  handlers: ChatHandlers;
  api: InboundApi;
  log: LogSink;
}

const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (o: Json | undefined, key: string): string | undefined => (typeof o?.[key] === 'string' ? (o[key] as string) : undefined);

const FILE_TYPES = new Set(['m.file', 'm.image', 'm.video', 'm.audio']);
const INTERNAL_ERROR = 'threaddesk could not run that command because of an internal error; it has been logged.';

/** `!ticket claim` / `threaddesk: claim` (a mention of the bot first) → the command line; else null. */
export function parseCommand(text: string, content: Json, api: Pick<InboundApi, 'botUserId' | 'botNames'>): { source: 'text' | 'mention'; text: string } | null {
  const trimmed = text.trim();
  const bang = /^!ticket(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (bang) return { source: 'text', text: (bang[1] ?? '').trim() };
  const mentions = asObj(content['m.mentions']);
  const ids = Array.isArray(mentions?.user_ids) ? mentions.user_ids : undefined;
  // With intentional mentions (Matrix 1.7) the event says whom it addresses; older clients only
  // put the name in front, which we accept when the event does not say otherwise.
  if (ids && !ids.includes(api.botUserId)) return null;
  const lower = trimmed.toLowerCase();
  for (const name of api.botNames) {
    if (!name || !lower.startsWith(name.toLowerCase())) continue;
    const rest = trimmed.slice(name.length);
    if (rest === '' || /^[\s:,]/.test(rest)) return { source: 'mention', text: rest.replace(/^[\s:,]+/, '').trim() };
  }
  return null;
}

function relation(content: Json): { relType?: string; eventId?: string; replyTo?: string; key?: string; fallingBack: boolean } {
  const rel = asObj(content['m.relates_to']);
  return {
    relType: str(rel, 'rel_type'),
    eventId: str(rel, 'event_id'),
    replyTo: str(asObj(rel?.['m.in_reply_to']), 'event_id'),
    key: str(rel, 'key'),
    fallingBack: rel?.is_falling_back === true,
  };
}

function filesOf(ctx: InboundContext, content: Json): InboundFile[] {
  const msgtype = str(content, 'msgtype') ?? '';
  const url = str(content, 'url');
  if (!FILE_TYPES.has(msgtype)) return [];
  if (!url) {
    // `file` instead of `url` means an encrypted attachment, which we cannot decrypt.
    ctx.log.warn({ component: 'matrix' }, 'skipped an attachment without a plain mxc:// url (encrypted media is not supported)');
    return [];
  }
  const info = asObj(content.info);
  return [{
    filename: str(content, 'filename') ?? str(content, 'body') ?? 'file',
    contentType: str(info, 'mimetype') ?? 'application/octet-stream',
    fetch: () => ctx.api.download(url),
  }];
}

/** The text of a message: for media with a caption (Matrix 1.10) the caption, else nothing. */
function textOf(content: Json, isReply: boolean): string {
  const body = str(content, 'body') ?? '';
  if (FILE_TYPES.has(str(content, 'msgtype') ?? '')) {
    const filename = str(content, 'filename');
    return filename && filename !== body ? body.trim() : '';
  }
  return inboundText(body, isReply);
}

async function runCommand(ctx: InboundContext, command: InboundCommand): Promise<string> {
  try {
    return (await ctx.handlers.onCommand(command)).text;
  } catch (err) {
    ctx.log.error({ component: 'matrix', err, command: command.text }, 'a Matrix command failed');
    return INTERNAL_ERROR;
  }
}

async function onMessage(ctx: InboundContext, roomId: string, e: MatrixEvent): Promise<void> {
  const content = e.content;
  // m.notice is what bots send; answering them is how bot loops start (the spec says so too).
  if (str(content, 'msgtype') === 'm.notice') return;
  const rel = relation(content);
  let threadId: string | undefined;
  if (rel.relType === 'm.thread' && rel.eventId) threadId = rel.eventId;
  else if (rel.replyTo) {
    // A plain reply (a client without threads) to a card or a thread message counts as in that thread.
    threadId = (await ctx.api.info(roomId, rel.replyTo))?.threadId ?? undefined;
  }
  const text = textOf(content, rel.replyTo !== undefined && !rel.fallingBack);
  const command = parseCommand(text, content, ctx.api);
  ctx.api.remember(roomId, e.event_id, { type: e.type, sender: e.sender, threadId: threadId ?? null, card: false, command: command !== null });
  if (!command && !threadId) return; // top-level chatter in the room is not ours
  const actor = await ctx.api.actor(e.sender);
  if (command) {
    const answer = await runCommand(ctx, { platform: 'matrix', actor, channelId: roomId, threadId, text: command.text, source: command.source });
    await ctx.api.answer(roomId, threadId, e.event_id, e.sender, answer);
    return;
  }
  await ctx.handlers.onThreadMessage({
    platform: 'matrix', channelId: roomId, threadId: threadId!, messageId: e.event_id, actor, text, files: filesOf(ctx, content),
  });
}

async function onEdit(ctx: InboundContext, roomId: string, e: MatrixEvent, target: string): Promise<void> {
  const info = await ctx.api.info(roomId, target);
  // Only the author may edit (the spec tells clients to ignore other senders' edits).
  if (!info || info.sender !== e.sender || !info.threadId || info.command || info.card) return;
  const next = asObj(e.content['m.new_content']) ?? {};
  const text = textOf(next, false);
  if (parseCommand(text, next, ctx.api)) return; // editing into a command does not run it
  const actor = await ctx.api.actor(e.sender);
  await ctx.handlers.onMessageEdited({ platform: 'matrix', channelId: roomId, threadId: info.threadId, messageId: target, actor, text });
}

async function onRedaction(ctx: InboundContext, roomId: string, e: MatrixEvent): Promise<void> {
  // Rooms up to v10 put `redacts` at the top level, v11 in the content.
  const target = str(e, 'redacts') ?? str(e.content, 'redacts');
  if (!target) return;
  const info = await ctx.api.info(roomId, target);
  if (!info || info.type !== 'm.room.message' || !info.threadId || info.command || info.card || info.sender === ctx.api.botUserId) return;
  const actor = await ctx.api.actor(e.sender);
  await ctx.handlers.onMessageDeleted({ platform: 'matrix', channelId: roomId, threadId: info.threadId, messageId: target, actor });
}

async function onReaction(ctx: InboundContext, roomId: string, e: MatrixEvent): Promise<void> {
  const rel = relation(e.content);
  if (rel.relType !== 'm.annotation' || !rel.eventId || !rel.key) return;
  const info = await ctx.api.info(roomId, rel.eventId);
  if (!info?.threadId) return;
  const actor = await ctx.api.actor(e.sender);
  const button = info.card ? commandForButton(rel.key.trim()) : undefined;
  if (button) {
    const answer = await runCommand(ctx, { platform: 'matrix', actor, channelId: roomId, threadId: info.threadId, text: button, source: 'button' });
    await ctx.api.answer(roomId, info.threadId, rel.eventId, e.sender, answer);
    return;
  }
  await ctx.handlers.onReaction({
    platform: 'matrix', actor, channelId: roomId, threadId: info.threadId, messageId: rel.eventId, emoji: reactionKeyToUnicode(rel.key),
  });
}

/** Entry point for every timeline event; never throws (a throw would stall the sync loop). */
export async function handleRoomEvent(ctx: InboundContext, roomId: string, e: MatrixEvent): Promise<void> {
  if (e.type === 'm.room.encryption' || e.type === 'm.room.encrypted') ctx.api.encrypted(roomId);
  if (e.sender === ctx.api.botUserId) return;
  try {
    if (e.type === 'm.room.message') {
      const rel = relation(e.content);
      if (rel.relType === 'm.replace' && rel.eventId) await onEdit(ctx, roomId, e, rel.eventId);
      else await onMessage(ctx, roomId, e);
    } else if (e.type === 'm.reaction') {
      await onReaction(ctx, roomId, e);
    } else if (e.type === 'm.room.redaction') {
      await onRedaction(ctx, roomId, e);
    }
  } catch (err) {
    ctx.log.error({ component: 'matrix', err, roomId, eventId: e.event_id, type: e.type }, 'handling a Matrix event failed; it is skipped');
  }
}
