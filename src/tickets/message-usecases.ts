// Notes, public replies and customer messages: the history entries that carry text.
import { and, eq } from 'drizzle-orm';
import { contacts, messages, ticketCollaborators } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import type { Status } from '../domain/lifecycle.js';
import type { Actor } from '../domain/permissions.js';
import type { OutboxItem } from '../outbox/enqueue.js';
import { isSystem } from './actors.js';
import type { TicketContext } from './context.js';
import { insertMessage, upsertContact, type NewAttachment } from './create-ticket.js';
import { mutateTicket, type MutationResult } from './mutation.js';
import { agentsWhoWorkedOn } from './ticket-repository.js';

export interface TextInput {
  text: string;
  /** Where it was written: cli, slack, discord, matrix, web, api. */
  source: string;
  attachments?: NewAttachment[];
  /** The chat message it came from, so edits and deletions can find it. */
  data?: Record<string, unknown>;
}

/** Sources where a public reply waits out the undo window before it is mailed. */
const CHAT_SOURCES = new Set(['slack', 'discord', 'matrix', 'web']);

export interface MessageResult extends MutationResult {
  messageId: number;
}

export async function addNote(ctx: TicketContext, actor: Actor, ref: string, input: TextInput): Promise<MessageResult> {
  requireText(input.text, 'note');
  let messageId = 0;
  const result = await mutateTicket(ctx, actor, ref, 'note', async ({ ticket, tx, now }) => {
    messageId = await insertMessage(tx, {
      ticketId: ticket.id,
      kind: 'note',
      authorAgentId: isSystem(actor) ? null : actor.agentId,
      authorContactId: null,
      source: input.source,
      text: input.text.trim(),
      data: input.data,
      createdAt: now,
      attachments: input.attachments,
    });
    return { wroteMessage: true, outbox: [{ ticketId: ticket.id, sink: 'chat', kind: 'message.post', payload: { messageId } }] };
  });
  return { ...result, messageId };
}

export async function addReply(ctx: TicketContext, actor: Actor, ref: string, input: TextInput): Promise<MessageResult> {
  requireText(input.text, 'reply');
  let messageId = 0;
  const result = await mutateTicket(ctx, actor, ref, 'reply', async ({ ticket, tx, next, now }) => {
    if (!ticket.requesterId) {
      throw new DomainError('invalid_value', `#${ticket.number} has no customer to reply to; write a note instead.`);
    }
    const sendAfter = CHAT_SOURCES.has(input.source) && ctx.settings.undoSeconds > 0 ? new Date(now.getTime() + ctx.settings.undoSeconds * 1000) : null;
    messageId = await insertMessage(tx, {
      ticketId: ticket.id,
      kind: 'reply',
      authorAgentId: isSystem(actor) ? null : actor.agentId,
      authorContactId: null,
      source: input.source,
      text: input.text.trim(),
      data: input.data,
      sendAfter,
      createdAt: now,
      attachments: input.attachments,
    });
    const outbox: OutboxItem[] = [
      { ticketId: ticket.id, sink: 'chat', kind: 'message.post', payload: { messageId } },
      { ticketId: ticket.id, sink: 'mail', kind: 'mail.reply', payload: { messageId }, notBefore: sendAfter ?? undefined },
    ];
    // The first public reply by an agent on an unclaimed ticket claims it (SPEC §3).
    const claims = !ticket.assigneeId && next === 'in_progress' && !isSystem(actor);
    return {
      wroteMessage: true,
      patch: {
        status: claims ? 'in_progress' : (ticket.status as Status),
        ...(claims ? { assigneeId: actor.agentId } : {}),
        ...(ticket.firstResponseAt ? {} : { firstResponseAt: now }),
      },
      event: claims ? { action: 'claim', text: `${actor.name} claimed the ticket by replying`, data: { assignee: actor.email, auto: true } } : undefined,
      outbox,
    };
  });
  return { ...result, messageId };
}

export interface CustomerMessageInput extends TextInput {
  from: { email: string; name?: string | null };
}

/**
 * A customer writes again (mail, web). A closed ticket reopens and everyone who worked on it is
 * told; on a waiting ticket the department is told. A sender who is neither the requester nor a
 * collaborator is kept as a flagged note for an agent to accept, never shown as the customer's.
 */
export async function addCustomerMessage(ctx: TicketContext, actor: Actor, ref: string, input: CustomerMessageInput): Promise<MessageResult> {
  let messageId = 0;
  const result = await mutateTicket(ctx, actor, ref, 'customer_message', async ({ ticket, tx, next, now }) => {
    const from = input.from.email.trim().toLowerCase();
    const contactId = await upsertContact(tx, from, input.from.name);
    const [cc] = await tx.select().from(ticketCollaborators).where(and(eq(ticketCollaborators.ticketId, ticket.id), eq(ticketCollaborators.email, from)));
    const known = contactId === ticket.requesterId || cc !== undefined;
    messageId = await insertMessage(tx, {
      ticketId: ticket.id,
      kind: known ? 'customer' : 'note',
      authorAgentId: null,
      authorContactId: contactId,
      source: input.source,
      text: input.text,
      data: { ...input.data, ...(known ? {} : { unknownSender: from }) },
      flagged: !known,
      createdAt: now,
      attachments: input.attachments,
    });
    const outbox: OutboxItem[] = [{ ticketId: ticket.id, sink: 'chat', kind: 'message.post', payload: { messageId } }];
    if (!known) return { wroteMessage: true, outbox, patch: { status: ticket.status as Status } };
    const reopens = next !== ticket.status;
    if (reopens) {
      const agentIds = await agentsWhoWorkedOn(tx, ticket.id);
      outbox.push({ ticketId: ticket.id, sink: 'chat', kind: 'notify', payload: { agentIds, text: `#${ticket.number} was reopened by a new message from ${from}` } });
    } else if (ticket.status === 'waiting') {
      outbox.push({ ticketId: ticket.id, sink: 'chat', kind: 'notify', payload: { departmentId: ticket.departmentId, text: `#${ticket.number} (waiting) has a new message from ${from}` } });
    }
    return {
      wroteMessage: true,
      patch: { status: next, lastCustomerMessageAt: now, ...(reopens ? { assigneeId: null, resolvedAt: null } : {}) },
      event: reopens ? { action: 'reopen', text: `Reopened by a new message from ${from}`, data: { from: ticket.status, auto: true } } : undefined,
      outbox,
    };
  });
  return { ...result, messageId };
}

/** `accept`: a flagged note from an unknown sender becomes a customer message. */
export async function acceptFlaggedMessage(ctx: TicketContext, actor: Actor, ref: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'note', async ({ ticket, tx }) => {
    const [flagged] = await tx
      .select()
      .from(messages)
      .where(and(eq(messages.ticketId, ticket.id), eq(messages.flagged, true)))
      .orderBy(messages.id)
      .limit(1);
    if (!flagged) throw new DomainError('not_found', `#${ticket.number} has no flagged message to accept.`);
    await tx.update(messages).set({ kind: 'customer', flagged: false }).where(eq(messages.id, flagged.id));
    const [c] = flagged.authorContactId ? await tx.select().from(contacts).where(eq(contacts.id, flagged.authorContactId)) : [];
    if (c) await tx.insert(ticketCollaborators).values({ ticketId: ticket.id, email: c.email }).onConflictDoNothing();
    return { event: { action: 'accept', text: `${actor.name} accepted the message from ${c?.email ?? 'an unknown sender'} as the customer's`, data: { messageId: flagged.id } } };
  });
}

function requireText(text: string, verb: string): void {
  if (!text.trim()) throw new DomainError('bad_usage', `Usage: ${verb} <text>`);
}
