import { searchTickets } from '../src/tickets/queries.js';
import { ticketLine } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'search',
  summary: 'Find tickets by subject, number or message text.',
  args: [{ name: 'text', type: 'rest' }],
  permission: 'read',
  ticket: 'none',
  run: async (ctx, { args }) => {
    const tickets = await searchTickets(ctx.tickets, ctx.actor, args.text!);
    return { text: tickets.length ? tickets.map(ticketLine).join('\n') : 'Nothing found.', tickets };
  },
});
