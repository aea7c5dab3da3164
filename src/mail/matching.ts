// Which ticket an inbound mail belongs to (SPEC §4, in this order): In-Reply-To/References
// against every Message-ID we sent or received; the `[#number]` token in the subject; the
// plus-address `<local>+<number>@`. A merged ticket forwards to the ticket it was merged into.
import { eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../db/create-db.js';
import { tickets } from '../db/schema.js';
import type { TicketRow } from '../tickets/ticket-repository.js';
import { ticketNumberFromPlusAddress, ticketNumberFromSubject } from './addresses.js';
import { ticketIdForMessageIds } from './mail-ledger.js';
import type { MailSettings } from './settings.js';
import type { ParsedMail } from './types.js';

export type MatchRoute = 'header' | 'subject' | 'plus-address';

export interface TicketMatch {
  ticket: TicketRow;
  route: MatchRoute;
  /** Set when the mail pointed at a merged ticket and was forwarded. */
  mergedFrom?: string;
}

/** A merge chain is short; the bound only guards against a cycle written by hand. */
const MAX_MERGE_HOPS = 10;

export async function matchTicket(q: Queryable, parsed: ParsedMail, recipients: readonly string[], settings: MailSettings): Promise<TicketMatch | null> {
  const byHeader = await ticketIdForMessageIds(q, threadingIds(parsed));
  if (byHeader !== null) return follow(q, await ticketById(q, byHeader), 'header');
  for (const { number, route } of namedTickets(parsed, recipients, settings)) {
    const t = await ticketByNumber(q, number, settings.numberPrefix);
    if (t) return follow(q, t, route);
  }
  return null;
}

/**
 * The Message-IDs that thread a mail, in the order they are tried. In-Reply-To names the direct
 * parent; References run oldest → newest, so the newest is tried first. The mail's own id comes
 * first: another copy of a mail we have (sent to two of our addresses, relayed with other
 * headers) belongs where the first copy went.
 */
export function threadingIds(parsed: ParsedMail): string[] {
  return [...(parsed.messageId ? [parsed.messageId] : []), ...parsed.inReplyTo, ...[...parsed.references].reverse()];
}

/** Ticket numbers the mail names itself — `[#number]` in the subject, then plus-addresses — in the order they are tried. */
export function namedTickets(parsed: ParsedMail, recipients: readonly string[], settings: MailSettings): { number: string; route: MatchRoute }[] {
  const named: { number: string; route: MatchRoute }[] = [];
  const fromSubject = ticketNumberFromSubject(parsed.subject, settings.subjectToken);
  if (fromSubject) named.push({ number: fromSubject, route: 'subject' });
  for (const address of [...recipients, ...parsed.to.map((a) => a.address), ...parsed.cc.map((a) => a.address)]) {
    const n = ticketNumberFromPlusAddress(address, settings.ownAddresses);
    if (n) named.push({ number: n, route: 'plus-address' });
  }
  return named;
}

/** The ticket with this id (or the one it was merged into); for bounces that name our Message-ID. */
export async function matchById(q: Queryable, id: number, route: MatchRoute): Promise<TicketMatch | null> {
  return follow(q, await ticketById(q, id), route);
}

export async function matchByNumber(q: Queryable, number: string, prefix: string, route: MatchRoute): Promise<TicketMatch | null> {
  return follow(q, await ticketByNumber(q, number, prefix), route);
}

async function follow(q: Queryable, start: TicketRow | null, route: MatchRoute): Promise<TicketMatch | null> {
  if (!start) return null;
  let t = start;
  for (let hop = 0; t.mergedIntoId !== null && hop < MAX_MERGE_HOPS; hop++) {
    const next = await ticketById(q, t.mergedIntoId);
    if (!next) break;
    t = next;
  }
  return t.id === start.id ? { ticket: t, route } : { ticket: t, route, mergedFrom: start.number };
}

async function ticketById(q: Queryable, id: number): Promise<TicketRow | null> {
  const [t] = await q.select().from(tickets).where(eq(tickets.id, id));
  return t ?? null;
}

/** The number as found in a subject or address, with or without the configured prefix. */
async function ticketByNumber(q: Queryable, number: string, prefix: string): Promise<TicketRow | null> {
  const candidates = prefix && !number.startsWith(prefix) ? [number, prefix + number] : [number];
  const [t] = await q.select().from(tickets).where(inArray(tickets.number, candidates));
  return t ?? null;
}
