// The undo window: a public reply written in chat waits (SPEC §5). Editing the chat message in
// that window changes the mail, deleting it cancels it. The mail's outbox row is the arbiter:
// once the worker has claimed it, it is too late.
import { and, eq, sql } from 'drizzle-orm';
import { messages, outbox, tickets } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import type { Actor } from '../domain/permissions.js';
import type { TicketContext } from './context.js';
import { mutateTicket, type MutationResult } from './mutation.js';

async function ticketNumberOf(ctx: TicketContext, messageId: number): Promise<string> {
  const [row] = await ctx.db.select({ number: tickets.number }).from(messages).innerJoin(tickets, eq(tickets.id, messages.ticketId)).where(eq(messages.id, messageId));
  if (!row) throw new DomainError('not_found', 'That message is not part of any ticket.');
  return row.number;
}

const pendingMail = (messageId: number) =>
  and(eq(outbox.sink, 'mail'), eq(outbox.kind, 'mail.reply'), eq(outbox.status, 'pending'), sql`${outbox.payload}->>'messageId' = ${String(messageId)}`);

/** Edits a chat-written history entry: a waiting reply (its mail changes) or a note. */
export async function editChatMessage(ctx: TicketContext, actor: Actor, messageId: number, text: string): Promise<MutationResult> {
  if (!text.trim()) throw new DomainError('bad_usage', 'An edit cannot be empty; delete the message to cancel the reply.');
  return mutateTicket(ctx, actor, await ticketNumberOf(ctx, messageId), 'note', async ({ tx, ticket }) => {
    const [m] = await tx.select().from(messages).where(eq(messages.id, messageId));
    if (!m || m.cancelledAt) throw new DomainError('not_found', 'That message was cancelled.');
    if (m.authorAgentId !== actor.agentId) throw new DomainError('forbidden', 'Only the author can change this message.');
    if (m.kind === 'reply') {
      const held = await tx.select({ id: outbox.id }).from(outbox).where(pendingMail(messageId)).for('update');
      if (held.length === 0) throw new DomainError('conflict', 'This reply has already been mailed; the edit changes the chat message only.');
    } else if (m.kind !== 'note') {
      throw new DomainError('invalid_value', 'Only replies and notes can be edited.');
    }
    await tx.update(messages).set({ text: text.trim() }).where(eq(messages.id, messageId));
    return {
      wroteMessage: true,
      event: m.kind === 'reply' ? { action: 'reply_edited', text: `${actor.name} edited a reply before it was sent`, data: { messageId } } : undefined,
      outbox: [{ ticketId: ticket.id, sink: 'chat', kind: 'message.edit', payload: { messageId } }],
    };
  });
}

/** Cancels a waiting reply (its chat message was deleted); a note is marked deleted. */
export async function cancelChatMessage(ctx: TicketContext, actor: Actor, messageId: number): Promise<MutationResult> {
  return mutateTicket(ctx, actor, await ticketNumberOf(ctx, messageId), 'note', async ({ tx, ticket, now }) => {
    const [m] = await tx.select().from(messages).where(eq(messages.id, messageId));
    if (!m || m.cancelledAt) return {};
    if (m.authorAgentId !== actor.agentId && actor.role !== 'admin') throw new DomainError('forbidden', 'Only the author can withdraw this message.');
    if (m.kind === 'reply') {
      const withdrawn = await tx
        .update(outbox)
        .set({ status: 'done', lastError: 'cancelled: the chat message was deleted in the undo window', deliveredAt: now })
        .where(pendingMail(messageId))
        .returning({ id: outbox.id });
      if (withdrawn.length === 0) throw new DomainError('conflict', 'This reply has already been mailed; deleting the chat message cannot recall it.');
    }
    await tx.update(messages).set({ cancelledAt: now }).where(eq(messages.id, messageId));
    return {
      event: { action: m.kind === 'reply' ? 'reply_cancelled' : 'note_deleted', text: `${actor.name} ${m.kind === 'reply' ? 'cancelled a reply before it was sent' : 'deleted a note'}`, data: { messageId } },
      outbox: [{ ticketId: ticket.id, sink: 'chat', kind: 'message.remove', payload: { messageId } }],
    };
  });
}
