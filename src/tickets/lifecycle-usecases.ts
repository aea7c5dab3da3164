// claim, release, assign, status, close, reopen, spam — the lifecycle operations of SPEC §3.
import { and, eq, ilike, or } from 'drizzle-orm';
import type { Queryable } from '../db/create-db.js';
import { agentIdentities, agents, departmentMembers, ticketFieldValues } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { isStatus, operationForStatus, type Status } from '../domain/lifecycle.js';
import type { Actor } from '../domain/permissions.js';
import type { TicketContext } from './context.js';
import { mutateTicket, type MutationResult } from './mutation.js';
import { agentsWhoWorkedOn, topicFields } from './ticket-repository.js';

export function claimTicket(ctx: TicketContext, actor: Actor, ref: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'claim', async ({ ticket, tx, next }) => {
    if (ticket.assigneeId === actor.agentId && ticket.status === next) return {};
    if (ticket.assigneeId && ticket.assigneeId !== actor.agentId) {
      const holder = await agentName(tx, ticket.assigneeId);
      throw new DomainError('conflict', `#${ticket.number} is already claimed by ${holder}; use \`assign @you\` to take it over.`);
    }
    return {
      patch: { assigneeId: actor.agentId, status: next },
      event: { action: 'claim', text: `${actor.name} claimed the ticket`, data: { assignee: actor.email } },
    };
  });
}

export function releaseTicket(ctx: TicketContext, actor: Actor, ref: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'release', async ({ ticket, tx, next }) => {
    if (!ticket.assigneeId) return { warnings: [`#${ticket.number} is not assigned to anyone.`] };
    const was = await agentName(tx, ticket.assigneeId);
    return {
      patch: { assigneeId: null, status: next },
      event: { action: 'release', text: `${actor.name} released the ticket (was ${was})`, data: { previousAssignee: was } },
    };
  });
}

export function assignTicket(ctx: TicketContext, actor: Actor, ref: string, who: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'assign', async ({ ticket, tx, next }) => {
    const target = await resolveAgent(tx, who);
    if (target.role !== 'admin') {
      const [m] = await tx
        .select()
        .from(departmentMembers)
        .where(and(eq(departmentMembers.agentId, target.id), eq(departmentMembers.departmentId, ticket.departmentId)));
      if (m?.access !== 'write') {
        throw new DomainError('forbidden', `${target.name} has no write access to department ${ticket.departmentId}; transfer the ticket or give them access first.`);
      }
    }
    if (ticket.assigneeId === target.id && ticket.status === next) return {};
    return {
      patch: { assigneeId: target.id, status: next },
      event: { action: 'assign', text: `${actor.name} assigned the ticket to ${target.name}`, data: { assignee: target.email } },
    };
  });
}

export function setTicketStatus(ctx: TicketContext, actor: Actor, ref: string, status: string, reason?: string): Promise<MutationResult> {
  if (!isStatus(status)) {
    throw new DomainError('invalid_value', `Unknown status "${status}": use open, in_progress, waiting, closed, spam, archived or deleted.`);
  }
  if (status === 'closed') return closeTicket(ctx, actor, ref, reason);
  if (status === 'spam') return markSpam(ctx, actor, ref);
  return mutateTicket(ctx, actor, ref, operationForStatus(status), async ({ ticket, next }) => {
    const patch: { status: Status; assigneeId?: number | null } = { status: next };
    // Open means "nobody assigned"; waiting parks the ticket and releases it (seed 001).
    if (next === 'open' || next === 'waiting') patch.assigneeId = null;
    if (next === 'in_progress' && !ticket.assigneeId) patch.assigneeId = actor.agentId || null;
    const released = ticket.assigneeId && patch.assigneeId === null ? ' and released it' : '';
    return {
      patch,
      event: { action: 'status', text: `${actor.name} set the status to ${next}${released}`, data: { from: ticket.status, to: next } },
    };
  });
}

export function closeTicket(ctx: TicketContext, actor: Actor, ref: string, reason?: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'close', async ({ ticket, tx, next }) => {
    const required = (await topicFields(tx, ticket.topicId)).filter((f) => f.requiredToClose);
    if (required.length > 0) {
      const values = await tx.select().from(ticketFieldValues).where(eq(ticketFieldValues.ticketId, ticket.id));
      const filled = new Set(values.filter((v) => v.value.trim() !== '').map((v) => v.fieldId));
      const missing = required.filter((f) => !filled.has(f.id));
      if (missing.length > 0) {
        const list = missing.map((f) => `${f.id} (${f.label})`).join(', ');
        throw new DomainError('required_fields', `Cannot close #${ticket.number}: required field${missing.length > 1 ? 's' : ''} missing: ${list}. Set ${missing.length > 1 ? 'them' : 'it'} with \`field ${missing[0]!.id}=<value>\`.`);
      }
    }
    return {
      patch: { status: next },
      event: { action: 'close', text: `${actor.name} closed the ticket${reason ? `: ${reason}` : ''}`, data: { from: ticket.status, reason: reason ?? null } },
    };
  });
}

export function reopenTicket(ctx: TicketContext, actor: Actor, ref: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'reopen', async ({ ticket, tx, next }) => {
    const notify = await agentsWhoWorkedOn(tx, ticket.id);
    return {
      patch: { status: next, assigneeId: null, resolvedAt: null },
      event: { action: 'reopen', text: `${actor.name} reopened the ticket`, data: { from: ticket.status } },
      outbox: [{ ticketId: ticket.id, sink: 'chat', kind: 'notify', payload: { agentIds: notify, text: `#${ticket.number} was reopened by ${actor.name}` } }],
    };
  });
}

export function markSpam(ctx: TicketContext, actor: Actor, ref: string): Promise<MutationResult> {
  return mutateTicket(ctx, actor, ref, 'spam', async ({ ticket, next }) => ({
    patch: { status: next, assigneeId: null },
    event: { action: 'spam', text: `${actor.name} marked the ticket as spam`, data: { from: ticket.status } },
  }));
}

async function agentName(q: Queryable, id: number): Promise<string> {
  const [a] = await q.select({ name: agents.name }).from(agents).where(eq(agents.id, id));
  return a?.name ?? `agent ${id}`;
}

/** `@alice@example.org`, `alice@example.org`, `@Alice`, or a platform id like `U01`. */
export async function resolveAgent(q: Queryable, who: string) {
  const key = who.trim().replace(/^@/, '').replace(/^<@([^>|]+)(\|[^>]*)?>$/, '$1');
  if (!key) throw new DomainError('bad_usage', 'Say whom to assign: assign @<agent email or name>.');
  const found = await q
    .selectDistinct({ agent: agents })
    .from(agents)
    .leftJoin(agentIdentities, eq(agentIdentities.agentId, agents.id))
    .where(and(eq(agents.active, true), or(eq(agents.email, key.toLowerCase()), ilike(agents.name, key.replace(/[\\%_]/g, '\\$&')), eq(agentIdentities.externalId, key))));
  if (found.length === 0) throw new DomainError('not_found', `No active agent "${who}". Use their email address.`);
  if (found.length > 1) throw new DomainError('conflict', `"${who}" matches several agents; use their email address.`);
  return found[0]!.agent;
}
