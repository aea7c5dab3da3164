import { closeTicket } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'close',
  summary: 'Close the ticket (refused while a field required to close is empty).',
  args: [{ name: 'reason', type: 'rest', optional: true }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await closeTicket(ctx.tickets, ctx.actor, ticket, args.reason), 'Closed'),
});
