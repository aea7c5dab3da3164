// Reading: show, list, search, stats — always limited to what the actor may see.
import { and, desc, eq, ilike, inArray, isNull, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { messages, tickets } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { assertCanRead, type Actor } from '../domain/permissions.js';
import type { TicketContext } from './context.js';
import { accessView, findTicket, messageViews, ticketView, type MessageView, type TicketView } from './ticket-repository.js';

export interface ShowResult extends TicketView {
  messages: MessageView[];
}

export async function showTicket(ctx: TicketContext, actor: Actor, ref: string): Promise<ShowResult> {
  const t = await findTicket(ctx.db, ref, ctx.settings.numbering.prefix);
  assertCanRead(actor, await accessView(ctx.db, t));
  return { ...(await ticketView(ctx.db, t)), messages: await messageViews(ctx.db, t.id) };
}

export type ListFilter = 'mine' | 'open' | 'unassigned' | 'waiting' | 'all';
export const LIST_FILTERS: readonly ListFilter[] = ['mine', 'open', 'unassigned', 'waiting', 'all'];

const LIMIT = 50;

/** Departments the actor can read (null = all, for admins). */
function visibleDepartments(actor: Actor, departmentId?: string): string[] | null {
  if (departmentId) {
    if (actor.role !== 'admin' && !actor.access[departmentId]) {
      throw new DomainError('forbidden', `You are not a member of department ${departmentId}.`);
    }
    return [departmentId];
  }
  return actor.role === 'admin' ? null : Object.keys(actor.access);
}

function scope(actor: Actor, departmentId?: string): SQL | undefined {
  const depts = visibleDepartments(actor, departmentId);
  if (depts === null) return undefined;
  if (depts.length === 0) return sql`false`;
  return inArray(tickets.departmentId, depts);
}

const listed = notInArray(tickets.status, ['archived', 'deleted']);

export async function listTickets(ctx: TicketContext, actor: Actor, filter: ListFilter = 'open', departmentId?: string): Promise<TicketView[]> {
  const byFilter: Record<ListFilter, SQL | undefined> = {
    mine: and(eq(tickets.assigneeId, actor.agentId), eq(tickets.state, 'open')),
    open: eq(tickets.state, 'open'),
    unassigned: and(isNull(tickets.assigneeId), eq(tickets.state, 'open')),
    waiting: eq(tickets.status, 'waiting'),
    all: undefined,
  };
  const rows = await ctx.db
    .select()
    .from(tickets)
    .where(and(listed, scope(actor, departmentId), byFilter[filter]))
    .orderBy(desc(tickets.updatedAt), desc(tickets.id))
    .limit(LIMIT);
  return Promise.all(rows.map((r) => ticketView(ctx.db, r)));
}

export async function searchTickets(ctx: TicketContext, actor: Actor, text: string): Promise<TicketView[]> {
  const needle = text.trim();
  if (!needle) throw new DomainError('bad_usage', 'Usage: search <text>');
  const pattern = `%${needle.replace(/[\\%_]/g, '\\$&')}%`;
  const inMessages = ctx.db
    .select({ id: messages.ticketId })
    .from(messages)
    .where(and(ilike(messages.text, pattern), inArray(messages.kind, ['customer', 'reply', 'note'])));
  const rows = await ctx.db
    .select()
    .from(tickets)
    .where(and(listed, scope(actor), or(ilike(tickets.subject, pattern), eq(tickets.number, needle.replace(/^#/, '')), inArray(tickets.id, inMessages))))
    .orderBy(desc(tickets.updatedAt), desc(tickets.id))
    .limit(LIMIT);
  return Promise.all(rows.map((r) => ticketView(ctx.db, r)));
}

export interface DepartmentStats {
  department: string;
  byStatus: Record<string, number>;
  unassigned: number;
}

export async function ticketStats(ctx: TicketContext, actor: Actor, departmentId?: string): Promise<DepartmentStats[]> {
  const rows = await ctx.db
    .select({
      department: tickets.departmentId,
      status: tickets.status,
      count: sql<number>`count(*)::int`,
      unassigned: sql<number>`(count(*) filter (where ${tickets.assigneeId} is null and ${tickets.state} = 'open'))::int`,
    })
    .from(tickets)
    .where(and(listed, scope(actor, departmentId)))
    .groupBy(tickets.departmentId, tickets.status);
  const byDept = new Map<string, DepartmentStats>();
  for (const r of rows) {
    const d = byDept.get(r.department) ?? { department: r.department, byStatus: {}, unassigned: 0 };
    d.byStatus[r.status] = Number(r.count);
    d.unassigned += Number(r.unassigned);
    byDept.set(r.department, d);
  }
  return [...byDept.values()].sort((a, b) => a.department.localeCompare(b.department));
}
