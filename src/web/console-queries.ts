// What the console pages read: a ticket with its whole history (names, attachments, the web
// message ids live updates refer to, the undo window) and its web thread. Access is checked by
// the core's showTicket first; these reads only add what the page shows.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { ThreadRef, TicketCard } from '../../adapters/chat-port.js';
import type { RenderableMessage } from '../../adapters/web/format.js';
import { threadBase } from '../../adapters/web/format.js';
import { loadCard } from '../chat/card.js';
import { threadsOfTicket } from '../chat/thread-repository.js';
import { agents, attachments, contacts, externalRefs, messages, tickets } from '../db/schema.js';
import { assertCanRead, type Actor } from '../domain/permissions.js';
import { showTicket, type ShowResult } from '../tickets/queries.js';
import { accessView, topicFields, type FieldDefinition } from '../tickets/ticket-repository.js';
import type { WebContext } from './web-context.js';

export interface ConsoleTicket {
  show: ShowResult;
  card: TicketCard;
  /** The ticket's thread in its department's web channel (null when the department has none). */
  thread: ThreadRef | null;
  messages: RenderableMessage[];
  fields: (FieldDefinition & { value: string })[];
}

export async function consoleTicket(web: WebContext, actor: Actor, number: string): Promise<ConsoleTicket> {
  const show = await showTicket(web.tickets, actor, number);
  const db = web.tickets.db;
  const card = (await loadCard(db, show.id))!;
  const channel = web.config.departments.find((d) => d.id === show.department)?.channels.web;
  const existing = (await threadsOfTicket(db, show.id)).find((t) => t.platform === 'web' && t.channelId === channel);
  // The web adapter derives thread ids from the ticket, so the thread is known before it opened.
  const thread: ThreadRef | null = channel ? (existing ?? { platform: 'web', channelId: channel, threadId: `t${show.id}`, cardMessageId: `card-${show.id}` }) : null;

  const rows = await db
    .select({ m: messages, agentName: agents.name, contactEmail: contacts.email, contactName: contacts.name })
    .from(messages)
    .leftJoin(agents, eq(agents.id, messages.authorAgentId))
    .leftJoin(contacts, eq(contacts.id, messages.authorContactId))
    .where(eq(messages.ticketId, show.id))
    .orderBy(asc(messages.id));
  const ids = rows.map((r) => r.m.id);
  const files = ids.length
    ? await db.select({ id: attachments.id, messageId: attachments.messageId, filename: attachments.filename, size: attachments.size }).from(attachments).where(inArray(attachments.messageId, ids)).orderBy(asc(attachments.id))
    : [];
  const refs = thread
    ? await db
        .select({ entityId: externalRefs.entityId, externalId: externalRefs.externalId })
        .from(externalRefs)
        .where(and(eq(externalRefs.platform, 'web'), eq(externalRefs.scope, thread.channelId), eq(externalRefs.entity, 'message'), eq(externalRefs.ticketId, show.id)))
    : [];
  const webId = new Map(refs.map((r) => [r.entityId, r.externalId]));
  const now = web.tickets.now();

  const rendered = rows.map(({ m, agentName, contactEmail, contactName }): RenderableMessage => {
    const id = webId.get(m.id) ?? `db-${m.id}`;
    const pending = m.kind === 'reply' && m.sendAfter && m.sendAfter > now && !m.cancelledAt ? m.sendAfter : undefined;
    const mine = m.authorAgentId === actor.agentId && webId.has(m.id) && thread !== null;
    const author = agentName ?? (contactName ? `${contactName} <${contactEmail}>` : (contactEmail ?? (typeof m.data.author === 'string' ? m.data.author : 'threaddesk')));
    return {
      id,
      kind: m.kind,
      authorName: author,
      text: m.text,
      origin: m.source === 'system' ? undefined : m.source,
      at: m.createdAt,
      files: files.filter((f) => f.messageId === m.id).map((f) => ({ name: f.filename, size: f.size, href: `/console/attachments/${f.id}` })),
      pendingUntil: pending ?? undefined,
      cancelled: m.cancelledAt !== null,
      flagged: m.flagged,
      actionsBase: mine && thread && (m.kind === 'note' || pending) ? `${threadBase(thread.channelId, thread.threadId)}/messages/${encodeURIComponent(id)}` : undefined,
    };
  });
  const defs = await topicFields(db, show.topic);
  return { show, card, thread, messages: rendered, fields: defs.map((d) => ({ ...d, value: show.fields[d.id] ?? '' })) };
}

/** An attachment the actor may download (its ticket readable by them), or null. */
export async function consoleAttachment(web: WebContext, actor: Actor, attachmentId: number) {
  const db = web.tickets.db;
  const [row] = await db
    .select({ file: attachments, ticketId: messages.ticketId })
    .from(attachments)
    .innerJoin(messages, eq(messages.id, attachments.messageId))
    .where(eq(attachments.id, attachmentId));
  if (!row) return null;
  return (await canRead(web, actor, row.ticketId)) ? row.file : null;
}

/** A file of a live message, found through the message's web id in that channel. */
export async function liveAttachment(web: WebContext, actor: Actor, channelId: string, webMessageId: string, name: string) {
  const db = web.tickets.db;
  const [ref] = await db
    .select({ messageId: externalRefs.entityId, ticketId: externalRefs.ticketId })
    .from(externalRefs)
    .where(and(eq(externalRefs.platform, 'web'), eq(externalRefs.scope, channelId), eq(externalRefs.externalId, webMessageId), eq(externalRefs.entity, 'message')));
  if (!ref || !(await canRead(web, actor, ref.ticketId))) return null;
  const [file] = await db
    .select()
    .from(attachments)
    .where(and(eq(attachments.messageId, ref.messageId), eq(attachments.filename, name)))
    .orderBy(asc(attachments.id))
    .limit(1);
  return file ?? null;
}

async function canRead(web: WebContext, actor: Actor, ticketId: number): Promise<boolean> {
  const [t] = await web.tickets.db.select().from(tickets).where(eq(tickets.id, ticketId));
  if (!t) return false;
  try {
    assertCanRead(actor, await accessView(web.tickets.db, t));
    return true;
  } catch {
    return false;
  }
}
