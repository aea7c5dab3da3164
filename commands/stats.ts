import { ticketStats } from '../src/tickets/queries.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'stats',
  summary: 'Ticket counts by status, per department.',
  args: [{ name: 'department', type: 'word', optional: true }],
  permission: 'read',
  ticket: 'none',
  run: async (ctx, { args }) => {
    const stats = await ticketStats(ctx.tickets, ctx.actor, args.department);
    const lines = stats.map((s) => `${s.department}: ${Object.entries(s.byStatus).map(([k, v]) => `${k} ${v}`).join(', ')}; unassigned ${s.unassigned}`);
    return { text: lines.length ? lines.join('\n') : 'No tickets.', stats };
  },
});
