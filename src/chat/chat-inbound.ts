// What agents do in chat, turned into use cases. Every path (thread message, edit, deletion,
// command, button, reaction) resolves the agent and the ticket the same way and runs under the
// same permission checks; refusals go back to the actor only.
import type {
  ChatAdapter,
  ChatActor,
  ChatHandlers,
  CommandAnswer,
  InboundCommand,
  InboundDeletion,
  InboundEdit,
  InboundReaction,
  InboundThreadMessage,
  Platform,
} from '../../adapters/chat-port.js';
import { runCommand } from '../../commands/dispatch.js';
import { commandForReaction, DEFAULT_REACTIONS } from '../../commands/reactions.js';
import { isDomainError } from '../domain/errors.js';
import type { Actor } from '../domain/permissions.js';
import { actorByEmail, actorByPlatformId, linkPlatformId } from '../tickets/actors.js';
import type { TicketContext } from '../tickets/context.js';
import { addNote, addReply } from '../tickets/message-usecases.js';
import { cancelChatMessage, editChatMessage } from '../tickets/pending-replies.js';
import { tickets as ticketsTable } from '../db/schema.js';
import { eq } from 'drizzle-orm';
import { findThread, messageRef, saveMessageRef } from './thread-repository.js';

export interface ChatBehaviour {
  notePrefixes: string[];
  replyPrefixes: string[];
  threadDefault: 'reply' | 'note';
  reactions?: Record<string, string>;
}

export interface ChatInboundDeps {
  tickets: TicketContext;
  behaviour: ChatBehaviour;
  adapter(platform: Platform): ChatAdapter | undefined;
  /** Called after every change so the outbox worker delivers without waiting for its poll. */
  changed?(): void;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

/** Splits a thread message into reply or note by its prefix (SPEC §5). */
export function classifyThreadText(text: string, b: ChatBehaviour): { kind: 'reply' | 'note'; text: string } {
  const trimmed = text.trimStart();
  const lower = trimmed.toLowerCase();
  const strip = (prefix: string) => trimmed.slice(prefix.length).trimStart();
  const note = b.notePrefixes.find((p) => lower.startsWith(p.toLowerCase()));
  if (note) return { kind: 'note', text: strip(note) };
  const reply = b.replyPrefixes.find((p) => lower.startsWith(p.toLowerCase()));
  if (reply) return { kind: 'reply', text: strip(reply) };
  return { kind: b.threadDefault, text: trimmed };
}

export function createChatHandlers(deps: ChatInboundDeps): ChatHandlers {
  const { tickets } = deps;
  const db = tickets.db;

  async function resolveActor(who: ChatActor): Promise<Actor | null> {
    const known = await actorByPlatformId(db, who.platform, who.userId);
    if (known) return known;
    const email = await deps.adapter(who.platform)?.lookupEmail?.(who.userId);
    if (!email) return null;
    try {
      const actor = await actorByEmail(db, email);
      await linkPlatformId(db, actor.agentId, who.platform, who.userId);
      return actor;
    } catch {
      return null;
    }
  }

  async function tell(who: ChatActor, channelId: string, threadId: string | undefined, text: string): Promise<void> {
    try {
      await deps.adapter(who.platform)?.notify({ channelId, threadId, userId: who.userId }, text);
    } catch (err) {
      deps.logger?.warn({ err, platform: who.platform }, 'chat: could not send an ephemeral answer');
    }
  }

  const notAgent = 'You are not a threaddesk agent, so this was not acted on. Ask an admin to add you to threaddesk.yaml.';

  async function ticketNumberOfThread(platform: Platform, channelId: string, threadId: string): Promise<{ ticketId: number; number: string } | null> {
    const thread = await findThread(db, platform, channelId, threadId);
    if (!thread) return null;
    const [t] = await db.select({ number: ticketsTable.number }).from(ticketsTable).where(eq(ticketsTable.id, thread.ticketId));
    return t ? { ticketId: thread.ticketId, number: t.number } : null;
  }

  async function guarded(who: ChatActor, channelId: string, threadId: string | undefined, work: () => Promise<void>): Promise<void> {
    try {
      await work();
      deps.changed?.();
    } catch (err) {
      if (isDomainError(err)) await tell(who, channelId, threadId, err.message);
      else {
        deps.logger?.error({ err }, 'chat: handling an inbound event failed');
        await tell(who, channelId, threadId, 'Something went wrong on our side; nothing was changed. Please try again.');
      }
    }
  }

  return {
    async onThreadMessage(m: InboundThreadMessage) {
      const ticket = await ticketNumberOfThread(m.platform, m.channelId, m.threadId);
      if (!ticket) return; // not a ticket thread
      if (await messageRef(db, m.platform, m.channelId, m.messageId)) return; // our own post
      const actor = await resolveActor(m.actor);
      if (!actor) return tell(m.actor, m.channelId, m.threadId, notAgent);
      await guarded(m.actor, m.channelId, m.threadId, async () => {
        const { kind, text } = classifyThreadText(m.text, deps.behaviour);
        const files = await Promise.all(m.files.map(async (f) => ({ filename: f.filename, contentType: f.contentType, content: await f.fetch() })));
        const origin = { platform: m.platform, channelId: m.channelId, threadId: m.threadId, messageId: m.messageId };
        const input = { text: text || (files.length ? '(attachment)' : ''), source: m.platform, attachments: files, data: { chat: origin } };
        const result = kind === 'note' ? await addNote(tickets, actor, ticket.number, input) : await addReply(tickets, actor, ticket.number, input);
        // The chat message is that history entry: edits and deletions find it, mirroring skips it.
        await saveMessageRef(db, { ...origin, cardMessageId: '' }, ticket.ticketId, result.messageId, m.messageId);
      });
    },

    async onMessageEdited(e: InboundEdit) {
      const messageId = await messageRef(db, e.platform, e.channelId, e.messageId);
      if (!messageId) return;
      const actor = await resolveActor(e.actor);
      if (!actor) return;
      await guarded(e.actor, e.channelId, e.threadId, async () => {
        await editChatMessage(tickets, actor, messageId, classifyThreadText(e.text, deps.behaviour).text);
      });
    },

    async onMessageDeleted(d: InboundDeletion) {
      const messageId = await messageRef(db, d.platform, d.channelId, d.messageId);
      if (!messageId) return;
      const actor = d.actor ? await resolveActor(d.actor) : null;
      if (!actor) return;
      await guarded(d.actor!, d.channelId, d.threadId, async () => {
        await cancelChatMessage(tickets, actor, messageId);
      });
    },

    async onCommand(c: InboundCommand): Promise<CommandAnswer> {
      const actor = await resolveActor(c.actor);
      if (!actor) return { ok: false, text: notAgent };
      const thread = c.threadId ? await ticketNumberOfThread(c.platform, c.channelId, c.threadId) : null;
      try {
        const output = await runCommand({ tickets, actor, source: c.platform, threadTicket: thread?.number }, c.text);
        deps.changed?.();
        return { ok: true, text: output.text };
      } catch (err) {
        if (isDomainError(err)) return { ok: false, text: err.message };
        deps.logger?.error({ err }, 'chat: command failed');
        return { ok: false, text: 'Something went wrong on our side; nothing was changed. Please try again.' };
      }
    },

    async onReaction(r: InboundReaction) {
      const line = commandForReaction(r.emoji, deps.behaviour.reactions ?? DEFAULT_REACTIONS);
      if (!line) return;
      const ticket = await ticketNumberOfThread(r.platform, r.channelId, r.threadId);
      if (!ticket) return;
      const actor = await resolveActor(r.actor);
      if (!actor) return tell(r.actor, r.channelId, r.threadId, notAgent);
      await guarded(r.actor, r.channelId, r.threadId, async () => {
        await runCommand({ tickets, actor, source: r.platform, threadTicket: ticket.number }, line);
      });
    },
  };
}
