// Bolt listeners → neutral values → the core's handlers. Payloads are read defensively from
// `unknown` (Slack adds fields and subtypes over time; a surprise must be skipped, not crash).
import type { App } from '@slack/bolt';
import type { ChatActor, ChatHandlers, InboundCommand, InboundFile } from '../chat-port.js';
import { slackReactionToUnicode } from './emoji.js';
import { commandForAction, markdownToMrkdwn, slackTextToMarkdown } from './format.js';
import type { LogSink } from '../log-sink.js';
import { buildTicketModal, commandsFromSubmission, MODAL_CALLBACK_ID, parseModalContext, SHORTCUT_CALLBACK_ID } from './modal.js';
import type { types } from '@slack/bolt';

/** What inbound needs from the adapter (outbound calls go through its rate queue). */
export interface InboundApi {
  postEphemeral(channelId: string, userId: string, mrkdwn: string, threadId?: string): Promise<void>;
  openModal(triggerId: string, view: types.ModalView): Promise<void>;
  /** The thread a message belongs to (its own ts for a top-level message). */
  threadOf(channelId: string, ts: string): Promise<string>;
  remember(channelId: string, ts: string, threadId: string): void;
  actor(userId: string): Promise<ChatActor>;
  downloadFile(url: string): Promise<Buffer>;
}

export interface InboundContext {
  handlers: ChatHandlers;
  botUserId: string;
  commandName: string;
  logger: LogSink;
  api: InboundApi;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (o: Json | undefined, key: string): string | undefined => (typeof o?.[key] === 'string' ? (o[key] as string) : undefined);

/** Subtypes that are still a person writing a new message. */
const NEW_MESSAGE_SUBTYPES = new Set(['file_share', 'thread_broadcast', 'me_message']);

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** `!ticket claim` / `<@BOT> claim` → the command line; null for an ordinary message. */
export function parseCommand(text: string, botUserId: string): { source: 'text' | 'mention'; text: string } | null {
  const trimmed = text.trim();
  const bang = /^!ticket(?:\s+([\s\S]*))?$/i.exec(trimmed);
  if (bang) return { source: 'text', text: decodeEntities(bang[1] ?? '').trim() };
  const mention = /^<@([A-Z0-9]+)(?:\|[^>]*)?>[\s,:]*([\s\S]*)$/.exec(trimmed);
  if (mention && mention[1] === botUserId) return { source: 'mention', text: decodeEntities(mention[2] ?? '').trim() };
  return null;
}

function isFromBot(message: Json, botUserId: string): boolean {
  return message.bot_id !== undefined || message.subtype === 'bot_message' || message.user === botUserId;
}

function filesOf(ctx: InboundContext, message: Json): InboundFile[] {
  const files = Array.isArray(message.files) ? message.files : [];
  return files.flatMap((raw): InboundFile[] => {
    const file = asObj(raw);
    const url = str(file, 'url_private_download') ?? str(file, 'url_private');
    // Tombstoned or over-quota files have no content to fetch.
    if (!file || !url || file.mode === 'tombstone' || file.mode === 'hidden_by_limit') return [];
    return [{
      filename: str(file, 'name') ?? str(file, 'title') ?? str(file, 'id') ?? 'file',
      contentType: str(file, 'mimetype') ?? 'application/octet-stream',
      fetch: () => ctx.api.downloadFile(url),
    }];
  });
}

const INTERNAL_ERROR = 'threaddesk could not run that command because of an internal error; it has been logged.';

/** Runs a command and returns the answer as mrkdwn; a thrown error becomes a polite answer. */
async function runCommand(ctx: InboundContext, command: InboundCommand): Promise<string> {
  try {
    const answer = await ctx.handlers.onCommand(command);
    return markdownToMrkdwn(answer.text);
  } catch (err) {
    ctx.logger.error({ component: 'slack', err, command: command.text }, 'a Slack command failed');
    return INTERNAL_ERROR;
  }
}

async function guard(ctx: InboundContext, what: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    ctx.logger.error({ component: 'slack', err }, `handling a Slack ${what} failed`);
  }
}

async function onNewMessage(ctx: InboundContext, e: Json): Promise<void> {
  const channelId = str(e, 'channel');
  const userId = str(e, 'user');
  const ts = str(e, 'ts');
  if (!channelId || !userId || !ts || isFromBot(e, ctx.botUserId)) return;
  const threadTs = str(e, 'thread_ts');
  const threadId = threadTs && threadTs !== ts ? threadTs : undefined;
  if (threadId) ctx.api.remember(channelId, ts, threadId);
  const text = str(e, 'text') ?? '';
  const command = parseCommand(text, ctx.botUserId);
  if (!command && !threadId) return; // top-level chatter in the channel is not ours
  const actor = await ctx.api.actor(userId);
  if (command) {
    const answer = await runCommand(ctx, { platform: 'slack', actor, channelId, threadId, text: command.text, source: command.source });
    await ctx.api.postEphemeral(channelId, userId, answer, threadId);
  } else if (threadId) {
    await ctx.handlers.onThreadMessage({
      platform: 'slack', channelId, threadId, messageId: ts, actor, text: slackTextToMarkdown(text), files: filesOf(ctx, e),
    });
  }
}

async function onEdited(ctx: InboundContext, e: Json): Promise<void> {
  const message = asObj(e.message);
  const channelId = str(e, 'channel');
  if (!message || !channelId || isFromBot(message, ctx.botUserId)) return;
  const ts = str(message, 'ts');
  const userId = str(message, 'user');
  const threadId = str(message, 'thread_ts');
  if (!ts || !userId || !threadId || threadId === ts) return;
  const text = str(message, 'text') ?? '';
  // Slack also sends message_changed for unfurls and reply counters: same text, nothing to do.
  if (str(asObj(e.previous_message), 'text') === text) return;
  // Commands are not replies, and editing one does not run it again.
  if (parseCommand(text, ctx.botUserId)) return;
  const actor = await ctx.api.actor(userId);
  await ctx.handlers.onMessageEdited({ platform: 'slack', channelId, threadId, messageId: ts, actor, text: slackTextToMarkdown(text) });
}

async function onDeleted(ctx: InboundContext, e: Json): Promise<void> {
  const previous = asObj(e.previous_message);
  const channelId = str(e, 'channel');
  const messageId = str(e, 'deleted_ts') ?? str(previous, 'ts');
  // Without the previous message Slack does not tell which thread it was in.
  if (!previous || !channelId || !messageId || isFromBot(previous, ctx.botUserId)) return;
  const threadId = str(previous, 'thread_ts');
  if (!threadId || threadId === messageId || parseCommand(str(previous, 'text') ?? '', ctx.botUserId)) return;
  // Slack does not say who deleted; only the author (or an admin) can, so the author is the best guess.
  const author = str(previous, 'user');
  const actor = author ? await ctx.api.actor(author) : undefined;
  await ctx.handlers.onMessageDeleted({ platform: 'slack', channelId, threadId, messageId, ...(actor ? { actor } : {}) });
}

async function onMessageEvent(ctx: InboundContext, e: Json): Promise<void> {
  const subtype = str(e, 'subtype');
  if (subtype === 'message_changed') return onEdited(ctx, e);
  if (subtype === 'message_deleted') return onDeleted(ctx, e);
  if (subtype === undefined || NEW_MESSAGE_SUBTYPES.has(subtype)) return onNewMessage(ctx, e);
}

async function onReactionAdded(ctx: InboundContext, e: Json): Promise<void> {
  const userId = str(e, 'user');
  const item = asObj(e.item);
  const channelId = str(item, 'channel');
  const messageId = str(item, 'ts');
  const reaction = str(e, 'reaction');
  if (!userId || userId === ctx.botUserId || str(item, 'type') !== 'message' || !channelId || !messageId || !reaction) return;
  const [threadId, actor] = await Promise.all([ctx.api.threadOf(channelId, messageId), ctx.api.actor(userId)]);
  await ctx.handlers.onReaction({ platform: 'slack', actor, channelId, threadId, messageId, emoji: slackReactionToUnicode(reaction) });
}

async function onButton(ctx: InboundContext, body: Json): Promise<void> {
  const action = asObj(Array.isArray(body.actions) ? body.actions[0] : undefined);
  const command = commandForAction(str(action, 'action_id') ?? '');
  const container = asObj(body.container);
  const message = asObj(body.message);
  const userId = str(asObj(body.user), 'id');
  const channelId = str(asObj(body.channel), 'id') ?? str(container, 'channel_id');
  const threadId = str(container, 'thread_ts') ?? str(message, 'thread_ts') ?? str(message, 'ts') ?? str(container, 'message_ts');
  if (!command || !userId || !channelId || !threadId) return;
  const actor = await ctx.api.actor(userId);
  const answer = await runCommand(ctx, { platform: 'slack', actor, channelId, threadId, text: command, source: 'button' });
  await ctx.api.postEphemeral(channelId, userId, answer, threadId);
}

async function onShortcut(ctx: InboundContext, body: Json): Promise<void> {
  const channelId = str(asObj(body.channel), 'id');
  const message = asObj(body.message);
  const threadId = str(message, 'thread_ts') ?? str(message, 'ts') ?? str(body, 'message_ts');
  const triggerId = str(body, 'trigger_id');
  if (!channelId || !threadId || !triggerId) return;
  await ctx.api.openModal(triggerId, buildTicketModal({ channelId, threadId }));
}

async function onModalSubmit(ctx: InboundContext, body: Json): Promise<void> {
  const view = asObj(body.view);
  const userId = str(asObj(body.user), 'id');
  const context = parseModalContext(str(view, 'private_metadata'));
  const values = asObj(asObj(view?.state)?.values) ?? {};
  if (!userId || !context) return;
  const commands = commandsFromSubmission(values as Parameters<typeof commandsFromSubmission>[0]);
  if (commands.length === 0) return;
  const actor = await ctx.api.actor(userId);
  const answers: string[] = [];
  // One after the other: later changes may depend on earlier ones (assign, then status).
  for (const text of commands) {
    answers.push(await runCommand(ctx, { platform: 'slack', actor, channelId: context.channelId, threadId: context.threadId, text, source: 'shortcut' }));
  }
  await ctx.api.postEphemeral(context.channelId, userId, answers.join('\n'), context.threadId);
}

export function registerInbound(app: App, ctx: InboundContext): void {
  // Events are acked by Bolt before listeners run; interactive payloads are acked first thing.
  app.event('message', async ({ event }) => guard(ctx, 'message event', () => onMessageEvent(ctx, event as unknown as Json)));
  app.event('reaction_added', async ({ event }) => guard(ctx, 'reaction', () => onReactionAdded(ctx, event as unknown as Json)));
  // app_mention duplicates the message event of the same mention, which already carries it.
  app.command(ctx.commandName, async ({ command, ack, respond }) => {
    await ack();
    await guard(ctx, 'slash command', async () => {
      const actor = await ctx.api.actor(command.user_id);
      const answer = await runCommand(ctx, { platform: 'slack', actor, channelId: command.channel_id, text: decodeEntities(command.text).trim(), source: 'slash' });
      await respond({ response_type: 'ephemeral', text: answer });
    });
  });
  app.action({ type: 'block_actions', action_id: /^ticket_/ }, async ({ ack, body }) => {
    await ack();
    await guard(ctx, 'button', () => onButton(ctx, body as unknown as Json));
  });
  app.shortcut({ type: 'message_action', callback_id: SHORTCUT_CALLBACK_ID }, async ({ ack, body }) => {
    await ack();
    await guard(ctx, 'message shortcut', () => onShortcut(ctx, body as unknown as Json));
  });
  app.view(MODAL_CALLBACK_ID, async ({ ack, body }) => {
    await ack(); // closes the modal; answers follow as ephemeral messages in the thread
    await guard(ctx, 'modal submission', () => onModalSubmit(ctx, body as unknown as Json));
  });
  app.error(async (err) => {
    ctx.logger.error({ component: 'slack', err }, 'Bolt reported an error');
  });
}
