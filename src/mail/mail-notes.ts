// History entries the mail bridge writes besides customer messages: notes (a bounce, a mail from
// an agent) and events (a refused over-size mail), through the one mutation path of the core.
import { SYSTEM_ACTOR } from '../tickets/actors.js';
import type { TicketContext } from '../tickets/context.js';
import { insertMessage, type NewAttachment } from '../tickets/create-ticket.js';
import { mutateTicket } from '../tickets/mutation.js';

export interface MailNote {
  text: string;
  /** An agent who wrote the mail; null for a note by the system (a bounce). */
  authorAgentId: number | null;
  authorContactId: number | null;
  /** Needs an agent's look (a bounce). */
  flagged: boolean;
  data: Record<string, unknown>;
  attachments?: NewAttachment[];
}

export async function addMailNote(ctx: TicketContext, ticketNumber: string, note: MailNote): Promise<number> {
  let messageId = 0;
  await mutateTicket(ctx, SYSTEM_ACTOR, ticketNumber, 'note', async ({ ticket, tx, now }) => {
    messageId = await insertMessage(tx, {
      ticketId: ticket.id,
      kind: 'note',
      authorAgentId: note.authorAgentId,
      authorContactId: note.authorContactId,
      source: 'mail',
      text: note.text,
      data: note.data,
      flagged: note.flagged,
      createdAt: now,
      attachments: note.attachments,
    });
    return { wroteMessage: true, outbox: [{ ticketId: ticket.id, sink: 'chat', kind: 'message.post', payload: { messageId } }] };
  });
  return messageId;
}

/** An event on the ticket (shown in its thread), e.g. "a mail was refused: too large". */
export async function addMailEvent(ctx: TicketContext, ticketNumber: string, event: { action: string; text: string; data?: Record<string, unknown> }): Promise<void> {
  await mutateTicket(ctx, SYSTEM_ACTOR, ticketNumber, 'note', async () => ({ event }));
}
