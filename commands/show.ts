import { showTicket } from '../src/tickets/queries.js';
import { ticketLine } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'show',
  summary: 'Show the ticket and its history.',
  args: [],
  permission: 'read',
  ticket: 'required',
  run: async (ctx, { ticket }) => {
    const show = await showTicket(ctx.tickets, ctx.actor, ticket);
    const history = show.messages.map((m) => `${m.createdAt.slice(0, 16).replace('T', ' ')} ${m.kind.padEnd(8)} ${m.author}: ${m.text.split('\n')[0]}`);
    const { messages: _messages, ...view } = show;
    return { text: [ticketLine(show), ...history].join('\n'), ticket: view, show };
  },
});
