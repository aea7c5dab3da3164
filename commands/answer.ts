// How commands describe a ticket back to the actor.
import type { TicketView } from '../src/tickets/ticket-repository.js';
import type { MutationResult } from '../src/tickets/mutation.js';
import type { CommandOutput } from './declaration.js';

export function ticketLine(t: TicketView): string {
  return `#${t.number} ${t.subject} — ${t.status}${t.assignee ? `, ${t.assignee}` : ''}, ${t.priority}`;
}

/** The usual answer of a changing command: what happened, plus any warning. */
export function changed(result: MutationResult, done: string): CommandOutput {
  const text = result.changed ? `${done}: ${ticketLine(result.ticket)}` : `Nothing to change: ${ticketLine(result.ticket)}`;
  return { text: [text, ...result.warnings].join('\n'), ticket: result.ticket, warnings: result.warnings };
}
