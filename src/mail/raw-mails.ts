// The raw mails of a ticket, as received (`show --raw`): what an agent needs when the parsed
// text looks wrong, or to forward the original.
import { asc, eq } from 'drizzle-orm';
import { messages, rawMails } from '../db/schema.js';
import type { Actor } from '../domain/permissions.js';
import type { TicketContext } from '../tickets/context.js';
import { showTicket } from '../tickets/queries.js';

export interface RawMail {
  messageId: number;
  kind: string;
  createdAt: string;
  raw: Buffer;
}

export async function rawMailsOfTicket(ctx: TicketContext, actor: Actor, ref: string): Promise<{ number: string; mails: RawMail[] }> {
  const ticket = await showTicket(ctx, actor, ref); // checks read access
  const rows = await ctx.db
    .select({ messageId: messages.id, kind: messages.kind, createdAt: messages.createdAt, raw: rawMails.raw })
    .from(rawMails)
    .innerJoin(messages, eq(messages.id, rawMails.messageId))
    .where(eq(messages.ticketId, ticket.id))
    .orderBy(asc(messages.id));
  return { number: ticket.number, mails: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) };
}
