// INTERACTION_CREATE: `/ticket …` and the card's buttons → onCommand, answered ephemerally.
// Discord drops an interaction that is not acknowledged within 3 s, so when the core has not
// answered after `deferAfterMs` the interaction is deferred ("thinking…", ephemeral) and the
// answer replaces that message when it comes.
import {
  ApplicationCommandType, InteractionResponseType, InteractionType, MessageFlags, Routes,
  type APIApplicationCommandInteractionDataOption, type REST,
} from 'discord.js';
import type { ChatActor, ChatHandlers, InboundCommand } from '../chat-port.js';
import { isThread, type ChannelDirectory } from './channels.js';
import { COMMAND_NAME, commandLine } from './commands.js';
import { explain } from './errors.js';
import { commandForButton, NO_MENTIONS, splitText } from './format.js';
import { actorOf, asObj, runCommand, str, type Json } from './inbound.js';
import type { LogSink } from '../log-sink.js';

/** An acknowledged interaction: its token allows ephemeral follow-ups for 15 minutes. */
export interface LiveInteraction {
  userId: string;
  channelId: string;
  threadId?: string;
  token: string;
  at: number;
}

export interface InteractionContext {
  handlers: ChatHandlers;
  logger: LogSink;
  rest: REST;
  directory: ChannelDirectory;
  applicationId: string;
  deferAfterMs: number;
  /** Remembers an acknowledged interaction, so notify() can answer ephemerally through it. */
  remember(live: LiveInteraction): void;
  /** Where the answer goes when Discord no longer takes it through the interaction (a DM, else the channel). */
  fallback(userId: string, text: string, channelId: string): Promise<void>;
}

export const INTERACTION_TOKEN_MS = 15 * 60 * 1000;

/** What Discord's interaction says about where it happened. */
async function placeOf(ctx: InteractionContext, d: Json): Promise<{ channelId: string; threadId?: string } | null> {
  const raw = asObj(d.channel);
  const channel = (raw ? ctx.directory.learn(raw, str(d, 'guild_id')) : null) ?? (str(d, 'channel_id') ? await ctx.directory.resolve(str(d, 'channel_id')!) : null);
  if (!channel) return null;
  if (isThread(channel)) return channel.parentId ? { channelId: channel.parentId, threadId: channel.id } : null;
  return { channelId: channel.id };
}

function commandOf(d: Json): { text: string; source: 'slash' | 'button' } | null {
  const data = asObj(d.data);
  if (d.type === InteractionType.ApplicationCommand && data?.type === ApplicationCommandType.ChatInput && data.name === COMMAND_NAME) {
    const options = Array.isArray(data.options) ? (data.options as APIApplicationCommandInteractionDataOption[]) : [];
    const text = commandLine(options);
    return text ? { text, source: 'slash' } : null;
  }
  if (d.type === InteractionType.MessageComponent) {
    const text = commandForButton(str(data, 'custom_id') ?? '');
    return text ? { text, source: 'button' } : null;
  }
  return null;
}

export async function onInteraction(ctx: InteractionContext, d: Json): Promise<void> {
  const id = str(d, 'id');
  const token = str(d, 'token');
  const command = commandOf(d);
  const actor: ChatActor | null = actorOf(asObj(asObj(d.member)?.user) ?? asObj(d.user), asObj(d.member));
  if (!id || !token || !command || !actor || !str(d, 'guild_id')) return;
  const place = await placeOf(ctx, d);
  if (!place) return;
  let threadId = place.threadId;
  if (command.source === 'button' && !threadId) {
    // The card of a text channel sits in the channel; its thread has the card's id.
    const message = asObj(d.message);
    threadId = str(asObj(message?.thread), 'id') ?? str(message, 'id');
  }
  const inbound: InboundCommand = { platform: 'discord', actor, channelId: place.channelId, ...(threadId ? { threadId } : {}), text: command.text, source: command.source };
  await respond(ctx, { id, token }, () => runCommand(ctx.handlers, ctx.logger, inbound), { userId: actor.userId, channelId: place.channelId, ...(threadId ? { threadId } : {}) });
}

/** Answers in time: right away when the work is quick, else defer first and edit the answer in. */
async function respond(
  ctx: InteractionContext,
  interaction: { id: string; token: string },
  work: () => Promise<string>,
  who: { userId: string; channelId: string; threadId?: string },
): Promise<void> {
  const { id, token } = interaction;
  const callback = (body: object) =>
    ctx.rest.post(Routes.interactionCallback(id, token), { body, auth: false, query: new URLSearchParams({ with_response: 'false' }) });
  const result = work();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ctx.deferAfterMs);
  });
  const early = await Promise.race([result, late]);
  clearTimeout(timer);
  let parts: string[];
  try {
    if (early !== null) {
      parts = splitText(early);
      await callback({ type: InteractionResponseType.ChannelMessageWithSource, data: { content: parts.shift(), flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS } });
    } else {
      await callback({ type: InteractionResponseType.DeferredChannelMessageWithSource, data: { flags: MessageFlags.Ephemeral } });
      parts = splitText(await result);
      await ctx.rest.patch(Routes.webhookMessage(ctx.applicationId, token, '@original'), { body: { content: parts.shift(), allowed_mentions: NO_MENTIONS }, auth: false });
    }
  } catch (err) {
    // Too late or refused: the command has run, so the person must still learn its outcome.
    ctx.logger.error({ component: 'discord', err: explain(err, 'take the answer to an interaction') }, 'answering a Discord interaction failed; answering by direct message');
    await ctx.fallback(who.userId, await result, who.threadId ?? who.channelId);
    return;
  }
  ctx.remember({ ...who, token, at: Date.now() });
  for (const part of parts) await followUp(ctx, token, part);
}

/** An ephemeral follow-up through an acknowledged interaction's token. */
export async function followUp(ctx: Pick<InteractionContext, 'rest' | 'applicationId'>, token: string, content: string): Promise<void> {
  await ctx.rest.post(Routes.webhook(ctx.applicationId, token), {
    body: { content, flags: MessageFlags.Ephemeral, allowed_mentions: NO_MENTIONS },
    auth: false,
    query: new URLSearchParams({ wait: 'true' }),
  });
}
