import { LIST_FILTERS, listTickets, type ListFilter } from '../src/tickets/queries.js';
import { ticketLine } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'list',
  summary: 'List tickets: mine, open (default), unassigned, waiting or all; optionally of one department.',
  args: [
    { name: 'filter', type: 'choice', choices: LIST_FILTERS, optional: true },
    { name: 'department', type: 'word', optional: true },
  ],
  permission: 'read',
  ticket: 'none',
  run: async (ctx, { args }) => {
    const tickets = await listTickets(ctx.tickets, ctx.actor, (args.filter ?? 'open') as ListFilter, args.department);
    return { text: tickets.length ? tickets.map(ticketLine).join('\n') : 'No tickets.', tickets };
  },
});
