// Who may do what: department access (read/write), admins, referrers, archived/deleted.
import { DomainError } from './errors.js';
import { ADMIN_ONLY, ADMIN_ONLY_STATUSES, type Operation, type Status } from './lifecycle.js';

export type Access = 'read' | 'write';

export interface Actor {
  agentId: number;
  email: string;
  name: string;
  role: 'agent' | 'admin';
  active: boolean;
  /** department id → access */
  access: Record<string, Access>;
}

export interface TicketAccessView {
  number: string;
  departmentId: string;
  status: Status;
  referrerIds: number[];
}

export function accessTo(actor: Actor, ticket: TicketAccessView): Access | null {
  if (actor.role === 'admin') return 'write';
  if (ADMIN_ONLY_STATUSES.has(ticket.status)) return null;
  if (ticket.referrerIds.includes(actor.agentId)) return 'write';
  return actor.access[ticket.departmentId] ?? null;
}

export function assertCanRead(actor: Actor, ticket: TicketAccessView): void {
  assertActive(actor);
  if (!accessTo(actor, ticket)) {
    throw new DomainError('forbidden', `You have no access to ticket #${ticket.number} (department ${ticket.departmentId}).`);
  }
}

export function assertCanChange(actor: Actor, ticket: TicketAccessView, op: Operation): void {
  assertActive(actor);
  if (ADMIN_ONLY.has(op) && actor.role !== 'admin') {
    throw new DomainError('forbidden', 'Only admins can archive or delete tickets.');
  }
  const access = accessTo(actor, ticket);
  if (!access) {
    const why = ADMIN_ONLY_STATUSES.has(ticket.status) ? ` it is ${ticket.status} and only admins can touch it` : ` you are not a member of department ${ticket.departmentId}`;
    throw new DomainError('forbidden', `You cannot change ticket #${ticket.number}:${why}.`);
  }
  if (access === 'read') {
    throw new DomainError('read_only', `You have read-only access to department ${ticket.departmentId}; ask an admin for write access to change #${ticket.number}.`);
  }
}

export function assertCanCreateIn(actor: Actor, departmentId: string): void {
  assertActive(actor);
  if (actor.role === 'admin') return;
  if (actor.access[departmentId] !== 'write') {
    throw new DomainError('forbidden', `You need write access to department ${departmentId} to open tickets there.`);
  }
}

function assertActive(actor: Actor): void {
  if (!actor.active) throw new DomainError('forbidden', `Agent ${actor.email} is deactivated or locked.`);
}
