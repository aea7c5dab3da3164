import { markSpam } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'spam',
  summary: 'Close the ticket as spam.',
  args: [],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket }) => changed(await markSpam(ctx.tickets, ctx.actor, ticket), 'Marked as spam'),
});
