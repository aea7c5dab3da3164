import { assignTicket } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'assign',
  summary: 'Assign the ticket to an agent (email or name).',
  args: [{ name: 'agent', type: 'word' }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await assignTicket(ctx.tickets, ctx.actor, ticket, args.agent!), 'Assigned'),
});
