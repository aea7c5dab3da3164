// What a customer may see and do through a status link: the ticket's public history (their
// messages and the replies that were actually mailed — never notes, events, flagged messages or
// replies still in their undo window) and replying to it. Requesting a link never tells whether
// a ticket number and address belong together.
import { and, asc, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import type { Lang } from '../../adapters/web/i18n.js';
import { attachments, contacts, messages, ticketCollaborators, tickets } from '../db/schema.js';
import { isDomainError } from '../domain/errors.js';
import { normaliseAddress } from '../mail/addresses.js';
import { SYSTEM_ACTOR } from '../tickets/actors.js';
import { addCustomerMessage } from '../tickets/message-usecases.js';
import { findTicket, type TicketRow } from '../tickets/ticket-repository.js';
import type { UploadedFile } from '../../adapters/web/adapter.js';
import { senderFor } from './contact.js';
import { statusPath } from './status-links.js';
import type { WebContext } from './web-context.js';
import { queueWebMail, statusLinkMail } from './web-mail.js';

const HIDDEN_STATUSES = new Set(['archived', 'deleted']);

/** Sends a status link when number and address belong together; the caller answers the same either way. */
export async function requestStatusLink(web: WebContext, number: string, email: string, lang: Lang): Promise<void> {
  const address = normaliseAddress(email);
  if (!address) return;
  let ticket: TicketRow;
  try {
    ticket = await findTicket(web.tickets.db, number, web.config.tickets.numberPrefix);
  } catch (err) {
    if (isDomainError(err)) return;
    throw err;
  }
  if (HIDDEN_STATUSES.has(ticket.status)) return;
  if (!(await belongsTo(web, ticket, address))) return;
  // A ticket's owner asking again and again must not turn into a mail flood.
  if (!web.limits.status.hit(`ticket:${ticket.id}`)) return;
  const days = web.settings.statusLinkDays;
  const expires = new Date(web.tickets.now().getTime() + days * 86_400_000);
  const link = `${web.publicUrl()}${statusPath(web.secret, ticket.secret, address, expires)}`;
  const mail = statusLinkMail(lang, { number: ticket.number, subject: ticket.subject, link, days, team: web.settings.team, subjectToken: web.config.tickets.subjectToken });
  await queueWebMail(web.tickets.db, ticket.id, { purpose: 'status_link', from: senderFor(web.config, ticket.departmentId), to: address, ...mail });
  web.poke();
}

async function belongsTo(web: WebContext, ticket: TicketRow, address: string): Promise<boolean> {
  const db = web.tickets.db;
  if (ticket.requesterId) {
    const [c] = await db.select({ email: contacts.email }).from(contacts).where(eq(contacts.id, ticket.requesterId));
    if (c?.email === address) return true;
  }
  const [cc] = await db
    .select()
    .from(ticketCollaborators)
    .where(and(eq(ticketCollaborators.ticketId, ticket.id), eq(ticketCollaborators.email, address)));
  return cc !== undefined;
}

export interface PublicMessage {
  id: number;
  kind: 'customer' | 'reply';
  /** The customer's name/address, or null for the team. */
  contactEmail: string | null;
  contactName: string | null;
  text: string;
  createdAt: Date;
  files: { id: number; filename: string; size: number }[];
}

export interface PublicTicket {
  ticket: TicketRow;
  messages: PublicMessage[];
}

export async function publicTicketBySecret(web: WebContext, ticketSecret: string): Promise<PublicTicket | null> {
  const db = web.tickets.db;
  const [ticket] = await db.select().from(tickets).where(eq(tickets.secret, ticketSecret));
  if (!ticket || HIDDEN_STATUSES.has(ticket.status)) return null;
  const now = web.tickets.now();
  const rows = await db
    .select({ m: messages, contactEmail: contacts.email, contactName: contacts.name })
    .from(messages)
    .leftJoin(contacts, eq(contacts.id, messages.authorContactId))
    .where(
      and(
        eq(messages.ticketId, ticket.id),
        inArray(messages.kind, ['customer', 'reply']),
        eq(messages.flagged, false),
        isNull(messages.cancelledAt),
        or(isNull(messages.sendAfter), lte(messages.sendAfter, now)),
      ),
    )
    .orderBy(asc(messages.id));
  const ids = rows.map((r) => r.m.id);
  const files = ids.length
    ? await db.select({ id: attachments.id, messageId: attachments.messageId, filename: attachments.filename, size: attachments.size }).from(attachments).where(inArray(attachments.messageId, ids)).orderBy(asc(attachments.id))
    : [];
  return {
    ticket,
    messages: rows.map(({ m, contactEmail, contactName }) => ({
      id: m.id,
      kind: m.kind as 'customer' | 'reply',
      contactEmail: m.kind === 'customer' ? contactEmail : null,
      contactName: m.kind === 'customer' ? contactName : null,
      text: m.text,
      createdAt: m.createdAt,
      files: files.filter((f) => f.messageId === m.id).map((f) => ({ id: f.id, filename: f.filename, size: f.size })),
    })),
  };
}

/** An attachment of a public message of this ticket (null for anything else). */
export async function publicAttachment(web: WebContext, view: PublicTicket, attachmentId: number) {
  const allowed = view.messages.some((m) => m.files.some((f) => f.id === attachmentId));
  if (!allowed) return null;
  const [file] = await web.tickets.db.select().from(attachments).where(eq(attachments.id, attachmentId));
  return file ?? null;
}

export async function customerReply(web: WebContext, ticket: TicketRow, from: string, text: string, files: UploadedFile[]): Promise<void> {
  await addCustomerMessage(web.tickets, SYSTEM_ACTOR, ticket.number, {
    from: { email: from },
    text: text || '(attachment)',
    source: 'web',
    attachments: files,
    data: { via: 'status-page' },
  });
  web.poke();
}
