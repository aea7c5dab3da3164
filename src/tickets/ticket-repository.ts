// Reading tickets and what hangs off them. Writers live in the use-case files.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../db/create-db.js';
import {
  agents,
  contacts,
  departments,
  helpTopicFields,
  helpTopics,
  messages,
  ticketCollaborators,
  ticketFieldValues,
  ticketLinks,
  ticketReferrers,
  tickets,
  ticketTags,
} from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import type { Status } from '../domain/lifecycle.js';
import type { TicketAccessView } from '../domain/permissions.js';

export type TicketRow = typeof tickets.$inferSelect;

/** The ticket as users and scripts see it (`cmd --json`). */
export interface TicketView {
  id: number;
  number: string;
  subject: string;
  state: string;
  status: string;
  priority: string;
  department: string;
  topic: string | null;
  requester: string | null;
  requesterName: string | null;
  assignee: string | null;
  fields: Record<string, string>;
  tags: string[];
  collaborators: string[];
  links: { number: string; kind: string }[];
  mergedInto: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface MessageView {
  id: number;
  kind: 'customer' | 'reply' | 'note' | 'event';
  author: string;
  text: string;
  source: string;
  flagged: boolean;
  cancelled: boolean;
  createdAt: string;
}

/** Accepts `#20261123000001`, `20261123000001` and, with a prefix, `KNF#2026…` or `#KNF#2026…`. */
export function normaliseTicketRef(ref: string): string {
  return ref.trim().replace(/^#/, '');
}

export async function findTicket(q: Queryable, ref: string, prefix: string, lock = false): Promise<TicketRow> {
  const raw = normaliseTicketRef(ref);
  const candidates = prefix && !raw.startsWith(prefix) ? [raw, prefix + raw] : [raw];
  const query = q.select().from(tickets).where(inArray(tickets.number, candidates));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new DomainError('not_found', `No ticket #${raw}. Check the number (list shows your tickets).`);
  return row;
}

export async function accessView(q: Queryable, t: TicketRow): Promise<TicketAccessView> {
  const refs = await q.select({ agentId: ticketReferrers.agentId }).from(ticketReferrers).where(eq(ticketReferrers.ticketId, t.id));
  return { number: t.number, departmentId: t.departmentId, status: t.status as Status, referrerIds: refs.map((r) => r.agentId) };
}

export async function ticketView(q: Queryable, t: TicketRow): Promise<TicketView> {
  const [requester] = t.requesterId ? await q.select().from(contacts).where(eq(contacts.id, t.requesterId)) : [];
  const [assignee] = t.assigneeId ? await q.select().from(agents).where(eq(agents.id, t.assigneeId)) : [];
  const fields = await q.select().from(ticketFieldValues).where(eq(ticketFieldValues.ticketId, t.id)).orderBy(asc(ticketFieldValues.fieldId));
  const tags = await q.select().from(ticketTags).where(eq(ticketTags.ticketId, t.id)).orderBy(asc(ticketTags.tag));
  const ccs = await q.select().from(ticketCollaborators).where(eq(ticketCollaborators.ticketId, t.id)).orderBy(asc(ticketCollaborators.email));
  const links = await q
    .select({ number: tickets.number, kind: ticketLinks.kind })
    .from(ticketLinks)
    .innerJoin(tickets, eq(tickets.id, ticketLinks.otherTicketId))
    .where(eq(ticketLinks.ticketId, t.id))
    .orderBy(asc(tickets.number));
  const [merged] = t.mergedIntoId ? await q.select({ number: tickets.number }).from(tickets).where(eq(tickets.id, t.mergedIntoId)) : [];
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    state: t.state,
    status: t.status,
    priority: t.priority,
    department: t.departmentId,
    topic: t.topicId,
    requester: requester?.email ?? null,
    requesterName: requester?.name ?? null,
    assignee: assignee?.email ?? null,
    fields: Object.fromEntries(fields.map((f) => [f.fieldId, f.value])),
    tags: tags.map((x) => x.tag),
    collaborators: ccs.map((c) => c.email),
    links,
    mergedInto: merged?.number ?? null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export async function messageViews(q: Queryable, ticketId: number, includeInternal = true): Promise<MessageView[]> {
  const rows = await q
    .select({ m: messages, agentName: agents.name, agentEmail: agents.email, contactEmail: contacts.email, contactName: contacts.name })
    .from(messages)
    .leftJoin(agents, eq(agents.id, messages.authorAgentId))
    .leftJoin(contacts, eq(contacts.id, messages.authorContactId))
    .where(includeInternal ? eq(messages.ticketId, ticketId) : and(eq(messages.ticketId, ticketId), inArray(messages.kind, ['customer', 'reply'])))
    .orderBy(asc(messages.id));
  return rows.map(({ m, agentEmail, contactEmail }) => ({
    id: m.id,
    kind: m.kind,
    author: agentEmail ?? contactEmail ?? (typeof m.data.author === 'string' ? m.data.author : 'threaddesk'),
    text: m.text,
    source: m.source,
    flagged: m.flagged,
    cancelled: m.cancelledAt !== null,
    createdAt: m.createdAt.toISOString(),
  }));
}

export interface FieldDefinition {
  id: string;
  label: string;
  type: 'text' | 'checkbox' | 'select' | 'date';
  options: string[];
  requiredToClose: boolean;
}

export async function topicFields(q: Queryable, topicId: string | null): Promise<FieldDefinition[]> {
  if (!topicId) return [];
  return q
    .select({
      id: helpTopicFields.id,
      label: helpTopicFields.label,
      type: helpTopicFields.type,
      options: helpTopicFields.options,
      requiredToClose: helpTopicFields.requiredToClose,
    })
    .from(helpTopicFields)
    .where(eq(helpTopicFields.topicId, topicId))
    .orderBy(asc(helpTopicFields.position));
}

export async function departmentById(q: Queryable, id: string) {
  const [d] = await q.select().from(departments).where(eq(departments.id, id));
  return d ?? null;
}

export async function topicById(q: Queryable, id: string) {
  const [t] = await q.select().from(helpTopics).where(and(eq(helpTopics.id, id), eq(helpTopics.active, true)));
  return t ?? null;
}

/** Agents who wrote, claimed or changed something on the ticket (to notify them on reopen). */
export async function agentsWhoWorkedOn(q: Queryable, ticketId: number): Promise<number[]> {
  const rows = await q
    .selectDistinct({ id: messages.authorAgentId })
    .from(messages)
    .where(and(eq(messages.ticketId, ticketId), sql`${messages.authorAgentId} is not null`));
  return rows.map((r) => r.id).filter((id): id is number => id !== null);
}
