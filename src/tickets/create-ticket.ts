// Opening a ticket: from mail, the web form, chat (`new`) or the CLI.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Queryable, type Tx } from '../db/create-db.js';
import { attachments, contacts, messages, tickets } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import { isPriority, STATE_OF } from '../domain/lifecycle.js';
import { counterScope, formatNumber } from '../domain/numbering.js';
import { assertCanCreateIn, type Actor } from '../domain/permissions.js';
import { enqueue } from '../outbox/enqueue.js';
import { isSystem, touchAgent } from './actors.js';
import type { TicketContext } from './context.js';
import { departmentById, topicById, type TicketView } from './ticket-repository.js';

export interface NewAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface NewTicketInput {
  subject: string;
  departmentId?: string;
  topicId?: string;
  priority?: string;
  /** The customer; omitted for internal tasks created by an agent. */
  requester?: { email: string; name?: string | null };
  /** The first message: the customer's text, or the agent's description. */
  text?: string;
  source: string;
  attachments?: NewAttachment[];
  /** Extra data stored with the first message (mail headers, raw-mail reference…). */
  messageData?: Record<string, unknown>;
  /** Set when mail intake files a rejected request: the ticket starts closed. */
  initialStatus?: 'open' | 'closed';
  /** When false, the ticket is not announced in chat (muted departments, rejected requests). */
  announce?: boolean;
  /**
   * A number taken beforehand (`allocateTicketNumber`, or mail intake's blocks of them): mail
   * intake wraps creation in its own transaction and must not hold the day's counter row in it.
   */
  number?: string;
}

export interface NewTicketResult {
  ticket: TicketView;
  firstMessageId: number | null;
}

/**
 * Numbers come from a per-day counter bumped in its own statement, outside the ticket's
 * transaction: concurrent creators never wait on each other's transactions, and a failed
 * creation only leaves a gap, which SPEC §2 allows.
 */
export async function allocateTicketNumber(ctx: TicketContext, now: Date): Promise<string> {
  const scope = counterScope(ctx.settings.numbering, now);
  const [row] = await queryRows<{ value: string | number }>(
    ctx.db,
    sql`insert into ticket_counters (scope, value) values (${scope}, 1)
        on conflict (scope) do update set value = ticket_counters.value + 1
        returning value`,
  );
  return formatNumber(ctx.settings.numbering, now, Number(row!.value));
}

export async function upsertContact(q: Queryable, email: string, name?: string | null): Promise<number> {
  const address = email.trim().toLowerCase();
  const [row] = await q
    .insert(contacts)
    .values({ email: address, name: name ?? null })
    .onConflictDoUpdate({ target: contacts.email, set: { name: sql`coalesce(${contacts.name}, excluded.name)` } })
    .returning({ id: contacts.id });
  return row!.id;
}

/** The audit event every new ticket starts with (also written by mail intake's own statement). */
export function openedEvent(by: string, department: { id: string; name: string }, via: string): { text: string; data: Record<string, unknown> } {
  return { text: `${by} opened the ticket in ${department.name}`, data: { action: 'created', department: department.id, via } };
}

/** A ticket's secret: the key of its customer status link (≥128 bits). */
export const newTicketSecret = (): string => randomBytes(24).toString('base64url');

export async function createTicket(ctx: TicketContext, actor: Actor, input: NewTicketInput): Promise<NewTicketResult> {
  const subject = input.subject.trim();
  if (!subject) throw new DomainError('bad_usage', 'A ticket needs a subject.');
  if (input.priority && !isPriority(input.priority)) {
    throw new DomainError('invalid_value', `Unknown priority "${input.priority}": use low, normal, high or urgent.`);
  }
  const topic = input.topicId ? await topicById(ctx.db, input.topicId) : null;
  if (input.topicId && !topic) throw new DomainError('not_found', `No help topic "${input.topicId}".`);
  const departmentId = input.departmentId ?? topic?.departmentId ?? (await defaultDepartment(ctx, actor));
  const department = await departmentById(ctx.db, departmentId);
  if (!department || !department.active) throw new DomainError('not_found', `No department "${departmentId}".`);
  assertCanCreateIn(actor, departmentId);

  const now = ctx.now();
  const number = input.number ?? (await allocateTicketNumber(ctx, now));
  return ctx.db.transaction(async (tx) => {
    const requesterId = input.requester ? await upsertContact(tx, input.requester.email, input.requester.name) : null;
    const status = input.initialStatus ?? 'open';
    const [ticket] = await tx
      .insert(tickets)
      .values({
        number,
        subject,
        departmentId,
        topicId: topic?.id ?? null,
        priority: input.priority ?? 'normal',
        status,
        state: STATE_OF[status],
        requesterId,
        secret: newTicketSecret(),
        createdAt: now,
        updatedAt: now,
        resolvedAt: status === 'closed' ? now : null,
        lastCustomerMessageAt: requesterId && input.text ? now : null,
      })
      .returning();
    const t = ticket!;
    const fromCustomer = requesterId !== null && isSystem(actor);
    const by = isSystem(actor) ? (input.requester?.email ?? 'threaddesk') : actor.name;
    const agentId = isSystem(actor) ? null : actor.agentId;
    // One round trip for the audit event and the first message (ids follow the VALUES order).
    const inserted = await tx
      .insert(messages)
      .values([
        {
          ticketId: t.id,
          kind: 'event' as const,
          authorAgentId: agentId,
          source: 'system',
          ...openedEvent(by, department, input.source),
          createdAt: now,
        },
        ...(input.text
          ? [
              {
                ticketId: t.id,
                kind: fromCustomer ? ('customer' as const) : ('note' as const),
                authorAgentId: fromCustomer ? null : agentId,
                authorContactId: fromCustomer ? requesterId : null,
                source: input.source,
                text: input.text,
                data: input.messageData ?? {},
                createdAt: now,
              },
            ]
          : []),
      ])
      .returning({ id: messages.id });
    const firstMessageId = input.text ? Math.max(...inserted.map((m) => m.id)) : null;
    if (firstMessageId && input.attachments?.length) await insertAttachments(tx, firstMessageId, input.attachments);
    if (input.announce !== false && !department.muted) {
      await enqueue(tx, [
        { ticketId: t.id, sink: 'chat', kind: 'thread.open', payload: {} },
        ...(firstMessageId ? [{ ticketId: t.id, sink: 'chat' as const, kind: 'message.post', payload: { messageId: firstMessageId } }] : []),
      ]);
    }
    await touchAgent(tx, actor.agentId, now);
    // Everything the view shows is known here; reading it back would cost six round trips.
    const view: TicketView = {
      id: t.id,
      number: t.number,
      subject: t.subject,
      state: t.state,
      status: t.status,
      priority: t.priority,
      department: t.departmentId,
      topic: t.topicId,
      requester: input.requester ? input.requester.email.trim().toLowerCase() : null,
      requesterName: input.requester?.name ?? null,
      assignee: null,
      fields: {},
      tags: [],
      collaborators: [],
      links: [],
      mergedInto: null,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
    return { ticket: view, firstMessageId };
  });
}

async function defaultDepartment(ctx: TicketContext, actor: Actor): Promise<string> {
  const writable = Object.entries(actor.access).filter(([, a]) => a === 'write').map(([d]) => d);
  if (writable.length === 1) return writable[0]!;
  const all = await ctx.db.query.departments.findMany({ where: (d, { eq }) => eq(d.active, true) });
  if (all.length === 1) return all[0]!.id;
  throw new DomainError('bad_usage', `Say which department: --dept <id> (one of ${all.map((d) => d.id).join(', ')}).`);
}

export interface MessageInsert {
  ticketId: number;
  kind: 'customer' | 'reply' | 'note' | 'event';
  authorAgentId: number | null;
  authorContactId: number | null;
  source: string;
  text: string;
  data?: Record<string, unknown>;
  flagged?: boolean;
  sendAfter?: Date | null;
  createdAt: Date;
  attachments?: NewAttachment[];
}

export async function insertMessage(tx: Tx, m: MessageInsert): Promise<number> {
  const { attachments: files, ...row } = m;
  const [inserted] = await tx.insert(messages).values({ ...row, data: row.data ?? {} }).returning({ id: messages.id });
  const id = inserted!.id;
  if (files && files.length > 0) await insertAttachments(tx, id, files);
  return id;
}

export async function insertAttachments(tx: Tx, messageId: number, files: NewAttachment[]): Promise<void> {
  await tx.insert(attachments).values(
    files.map((f) => ({ messageId, filename: f.filename, contentType: f.contentType, size: f.content.length, content: f.content })),
  );
}
