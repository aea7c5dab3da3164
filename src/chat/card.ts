// The ticket card as the chat adapters get it: display values, resolved once per delivery.
import { eq } from 'drizzle-orm';
import type { TicketCard } from '../../adapters/chat-port.js';
import type { Queryable } from '../db/create-db.js';
import { agents, contacts, departments, helpTopics, tickets, ticketTags } from '../db/schema.js';

export async function loadCard(q: Queryable, ticketId: number): Promise<TicketCard | null> {
  const [row] = await q
    .select({ t: tickets, requester: contacts.email, requesterName: contacts.name, assignee: agents.name, department: departments.name, topic: helpTopics.name })
    .from(tickets)
    .leftJoin(contacts, eq(contacts.id, tickets.requesterId))
    .leftJoin(agents, eq(agents.id, tickets.assigneeId))
    .leftJoin(departments, eq(departments.id, tickets.departmentId))
    .leftJoin(helpTopics, eq(helpTopics.id, tickets.topicId))
    .where(eq(tickets.id, ticketId));
  if (!row) return null;
  const tags = await q.select({ tag: ticketTags.tag }).from(ticketTags).where(eq(ticketTags.ticketId, ticketId));
  const { t } = row;
  return {
    ticketId: t.id,
    number: t.number,
    subject: t.subject,
    requester: row.requester ? (row.requesterName ? `${row.requesterName} <${row.requester}>` : row.requester) : 'internal',
    department: row.department ?? t.departmentId,
    status: t.status,
    state: t.state,
    assignee: row.assignee,
    priority: t.priority,
    topic: row.topic,
    createdAt: t.createdAt,
    tags: tags.map((x) => x.tag).sort(),
  };
}
