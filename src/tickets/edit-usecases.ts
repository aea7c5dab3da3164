// transfer, priority, merge, link, cc, field, tag — changes that keep the ticket's status.
import { and, eq } from 'drizzle-orm';
import {
  ticketCollaborators,
  ticketFieldValues,
  ticketLinks,
  ticketReferrers,
  tickets,
  ticketTags,
} from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { isPriority, transition, type Status } from '../domain/lifecycle.js';
import { accessTo, assertCanChange, assertCanRead, type Actor } from '../domain/permissions.js';
import { isSystem } from './actors.js';
import type { TicketContext } from './context.js';
import { mutateTicket, recordEvent, type MutationResult } from './mutation.js';
import { accessView, departmentById, findTicket, topicFields } from './ticket-repository.js';
import { enqueue } from '../outbox/enqueue.js';

export function transferTicket(ctx: TicketContext, actor: Actor, ref: string, departmentId: string, keep = false): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'transfer', async ({ ticket, tx }) => {
    const target = await departmentById(tx, departmentId);
    if (!target || !target.active) throw new DomainError('not_found', `No department "${departmentId}".`);
    if (target.id === ticket.departmentId) return { warnings: [`#${ticket.number} is already in ${target.name}.`] };
    const warnings: string[] = [];
    const after = { number: ticket.number, departmentId: target.id, status: ticket.status as Status, referrerIds: [] as number[] };
    const losesAccess = !isSystem(actor) && accessTo(actor, after) === null;
    if (losesAccess && keep) {
      await tx.insert(ticketReferrers).values({ ticketId: ticket.id, agentId: actor.agentId }).onConflictDoNothing();
      warnings.push(`You are not in ${target.name}; you keep access to #${ticket.number} as a referrer.`);
    } else if (losesAccess) {
      warnings.push(`You are not in ${target.name}, so you no longer have access to #${ticket.number} (use --keep to stay as a referrer).`);
    }
    return {
      patch: { departmentId: target.id },
      event: { action: 'transfer', text: `${actor.name} transferred the ticket to ${target.name}`, data: { from: ticket.departmentId, to: target.id, keep } },
      outbox: [{ ticketId: ticket.id, sink: 'chat', kind: 'thread.open', payload: { reason: 'transfer' } }],
      warnings,
    };
  });
}

export function setPriority(ctx: TicketContext, actor: Actor, ref: string, priority: string): Promise<MutationResult> {
  if (!isPriority(priority)) throw new DomainError('invalid_value', `Unknown priority "${priority}": use low, normal, high or urgent.`);
  return mutateTicket(ctx, actor, ref, 'priority', async ({ ticket }) => {
    if (ticket.priority === priority) return {};
    return {
      patch: { priority },
      event: { action: 'priority', text: `${actor.name} set the priority to ${priority}`, data: { from: ticket.priority, to: priority } },
    };
  });
}

/** Merges this ticket into `otherRef`: this one closes and points at the other; history stays. */
export function mergeTicket(ctx: TicketContext, actor: Actor, ref: string, otherRef: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'merge', async ({ ticket, tx, next, now }) => {
    const other = await findTicket(tx, otherRef, ctx.settings.numbering.prefix, true);
    if (other.id === ticket.id) throw new DomainError('invalid_value', 'A ticket cannot be merged into itself.');
    if (other.mergedIntoId) throw new DomainError('invalid_value', `#${other.number} was itself merged; merge into the ticket it points to.`);
    assertCanChange(actor, await accessView(tx, other), 'note');
    transition('note', other.status as Status);
    await tx.insert(ticketLinks).values([
      { ticketId: ticket.id, otherTicketId: other.id, kind: 'merged' },
      { ticketId: other.id, otherTicketId: ticket.id, kind: 'merged' },
    ]).onConflictDoNothing();
    const ccs = await tx.select().from(ticketCollaborators).where(eq(ticketCollaborators.ticketId, ticket.id));
    if (ccs.length > 0) {
      await tx.insert(ticketCollaborators).values(ccs.map((c) => ({ ticketId: other.id, email: c.email }))).onConflictDoNothing();
    }
    const eventId = await recordEvent(tx, other, actor, { action: 'merged_in', text: `${actor.name} merged #${ticket.number} into this ticket`, data: { from: ticket.number } }, now);
    await tx.update(tickets).set({ updatedAt: now }).where(eq(tickets.id, other.id));
    await enqueue(tx, [
      { ticketId: other.id, sink: 'chat', kind: 'message.post', payload: { messageId: eventId } },
      { ticketId: other.id, sink: 'chat', kind: 'card.update', payload: {} },
    ]);
    return {
      patch: { status: next, mergedIntoId: other.id },
      event: { action: 'merge', text: `${actor.name} merged the ticket into #${other.number}`, data: { into: other.number } },
    };
  });
}

export function linkTicket(ctx: TicketContext, actor: Actor, ref: string, otherRef: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'link', async ({ ticket, tx }) => {
    const other = await findTicket(tx, otherRef, ctx.settings.numbering.prefix);
    if (other.id === ticket.id) throw new DomainError('invalid_value', 'A ticket cannot be linked to itself.');
    // Linking shows the other ticket's number and subject: only to those who may see it.
    assertCanRead(actor, await accessView(tx, other));
    const inserted = await tx
      .insert(ticketLinks)
      .values([
        { ticketId: ticket.id, otherTicketId: other.id, kind: 'related' },
        { ticketId: other.id, otherTicketId: ticket.id, kind: 'related' },
      ])
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) return { warnings: [`#${ticket.number} is already linked to #${other.number}.`] };
    return { event: { action: 'link', text: `${actor.name} linked #${other.number}`, data: { other: other.number } } };
  });
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

export function changeCollaborators(ctx: TicketContext, actor: Actor, ref: string, action: 'add' | 'remove', email: string): Promise<MutationResult> {
  const address = email.trim().toLowerCase();
  if (!EMAIL.test(address)) throw new DomainError('invalid_value', `"${email}" is not an email address.`);
  return mutateTicket(ctx, actor, ref, 'cc', async ({ ticket, tx }) => {
    const where = and(eq(ticketCollaborators.ticketId, ticket.id), eq(ticketCollaborators.email, address));
    const changed =
      action === 'add'
        ? await tx.insert(ticketCollaborators).values({ ticketId: ticket.id, email: address }).onConflictDoNothing().returning()
        : await tx.delete(ticketCollaborators).where(where).returning();
    if (changed.length === 0) return { warnings: [`${address} is ${action === 'add' ? 'already' : 'not'} in CC.`] };
    return { event: { action: `cc_${action}`, text: `${actor.name} ${action === 'add' ? 'added' : 'removed'} ${address} ${action === 'add' ? 'to' : 'from'} CC`, data: { email: address } } };
  });
}

export function setField(ctx: TicketContext, actor: Actor, ref: string, fieldId: string, value: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'field', async ({ ticket, tx }) => {
    const fields = await topicFields(tx, ticket.topicId);
    const field = fields.find((f) => f.id === fieldId || f.label.toLowerCase() === fieldId.toLowerCase());
    if (!field) {
      const known = fields.map((f) => f.id).join(', ');
      throw new DomainError('invalid_value', known ? `No field "${fieldId}" on this ticket's topic; fields: ${known}.` : `#${ticket.number} has no help topic with fields.`);
    }
    const v = normaliseFieldValue(field, value.trim());
    const where = and(eq(ticketFieldValues.ticketId, ticket.id), eq(ticketFieldValues.fieldId, field.id));
    const [current] = await tx.select().from(ticketFieldValues).where(where);
    if ((current?.value ?? '') === v) return {};
    if (v === '') await tx.delete(ticketFieldValues).where(where);
    else await tx.insert(ticketFieldValues).values({ ticketId: ticket.id, fieldId: field.id, value: v }).onConflictDoUpdate({ target: [ticketFieldValues.ticketId, ticketFieldValues.fieldId], set: { value: v } });
    return { event: { action: 'field', text: `${actor.name} set ${field.label} to ${v || '(empty)'}`, data: { field: field.id, from: current?.value ?? null, to: v || null } } };
  });
}

function normaliseFieldValue(field: { id: string; type: string; options: string[] }, value: string): string {
  if (value === '') return '';
  switch (field.type) {
    case 'select':
      if (!field.options.includes(value)) throw new DomainError('invalid_value', `Field ${field.id} must be one of: ${field.options.join(', ')}.`);
      return value;
    case 'checkbox': {
      const v = value.toLowerCase();
      if (['yes', 'true', '1', 'on'].includes(v)) return 'yes';
      if (['no', 'false', '0', 'off'].includes(v)) return 'no';
      throw new DomainError('invalid_value', `Field ${field.id} is a checkbox: use yes or no.`);
    }
    case 'date':
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new DomainError('invalid_value', `Field ${field.id} is a date: use YYYY-MM-DD.`);
      return value;
    default:
      return value;
  }
}

export function changeTags(ctx: TicketContext, actor: Actor, ref: string, action: 'add' | 'remove', tag: string): Promise<MutationResult> {
  const t = tag.trim().toLowerCase();
  if (!/^[\p{L}\p{N}][\p{L}\p{N}_.-]{0,63}$/u.test(t)) throw new DomainError('invalid_value', `"${tag}" is not a tag: letters, digits, - _ . (up to 64).`);
  return mutateTicket(ctx, actor, ref, 'tag', async ({ ticket, tx }) => {
    const changed =
      action === 'add'
        ? await tx.insert(ticketTags).values({ ticketId: ticket.id, tag: t }).onConflictDoNothing().returning()
        : await tx.delete(ticketTags).where(and(eq(ticketTags.ticketId, ticket.id), eq(ticketTags.tag, t))).returning();
    if (changed.length === 0) return { warnings: [`#${ticket.number} is ${action === 'add' ? 'already' : 'not'} tagged ${t}.`] };
    return { event: { action: `tag_${action}`, text: `${actor.name} ${action === 'add' ? 'tagged' : 'untagged'} ${t}`, data: { tag: t } } };
  });
}
