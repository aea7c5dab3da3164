// The one way a ticket changes: lock it, check access and the lifecycle table, apply the change,
// write one audit event and the outbox rows for its side effects — all in one transaction.
import { eq } from 'drizzle-orm';
import type { Tx } from '../db/create-db.js';
import { messages, tickets } from '../db/schema.js';
import { STATE_OF, transition, type Operation, type Status } from '../domain/lifecycle.js';
import { assertCanChange, type Actor } from '../domain/permissions.js';
import { enqueue, type OutboxItem } from '../outbox/enqueue.js';
import { touchAgent, isSystem } from './actors.js';
import type { TicketContext } from './context.js';
import { accessView, findTicket, ticketView, type TicketRow, type TicketView } from './ticket-repository.js';

export interface MutationStep {
  tx: Tx;
  ticket: TicketRow;
  /** The status the lifecycle table allows for this operation. */
  next: Status;
  now: Date;
}

export interface MutationOutcome {
  /** Columns to change on the ticket (status/state are derived from `status`). */
  patch?: Partial<typeof tickets.$inferInsert>;
  /** The audit event; omit for a no-op (nothing changed, nothing recorded). */
  event?: { action: string; text: string; data?: Record<string, unknown> };
  outbox?: OutboxItem[];
  warnings?: string[];
  /** The operation wrote its own history entry (a reply or note): update the ticket without an event. */
  wroteMessage?: boolean;
}

export interface MutationResult {
  ticket: TicketView;
  warnings: string[];
  changed: boolean;
}

export async function mutateTicket(
  ctx: TicketContext,
  actor: Actor,
  ref: string,
  op: Operation,
  apply: (step: MutationStep) => Promise<MutationOutcome>,
): Promise<MutationResult> {
  return ctx.db.transaction(async (tx) => {
    const ticket = await findTicket(tx, ref, ctx.settings.numbering.prefix, true);
    assertCanChange(actor, await accessView(tx, ticket), op);
    const next = transition(op, ticket.status as Status);
    const now = ctx.now();
    const outcome = await apply({ tx, ticket, next, now });
    if (!outcome.event && !outcome.wroteMessage) {
      return { ticket: await ticketView(tx, ticket), warnings: outcome.warnings ?? [], changed: false };
    }
    const status = (outcome.patch?.status as Status | undefined) ?? next;
    const patch = { ...outcome.patch, status, state: STATE_OF[status], updatedAt: now };
    if (STATE_OF[status] === 'closed' && ticket.state !== 'closed') patch.resolvedAt = now;
    const [updated] = await tx.update(tickets).set(patch).where(eq(tickets.id, ticket.id)).returning();
    const eventId = outcome.event ? await recordEvent(tx, updated!, actor, outcome.event, now) : null;
    await enqueue(tx, [
      ...(outcome.outbox ?? []),
      ...(eventId ? [{ ticketId: ticket.id, sink: 'chat' as const, kind: 'message.post', payload: { messageId: eventId } }] : []),
      { ticketId: ticket.id, sink: 'chat', kind: 'card.update', payload: {} },
    ]);
    await touchAgent(tx, actor.agentId, now);
    return { ticket: await ticketView(tx, updated!), warnings: outcome.warnings ?? [], changed: true };
  });
}

export async function recordEvent(
  tx: Tx,
  ticket: { id: number },
  actor: Actor,
  event: { action: string; text: string; data?: Record<string, unknown> },
  now: Date,
): Promise<number> {
  const [row] = await tx
    .insert(messages)
    .values({
      ticketId: ticket.id,
      kind: 'event',
      authorAgentId: isSystem(actor) ? null : actor.agentId,
      source: 'system',
      text: event.text,
      data: { action: event.action, ...event.data, ...(isSystem(actor) ? { author: actor.name } : {}) },
      createdAt: now,
    })
    .returning({ id: messages.id });
  return row!.id;
}
