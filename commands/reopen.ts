import { reopenTicket } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'reopen',
  summary: 'Reopen a closed, spam, archived or deleted ticket.',
  args: [],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket }) => changed(await reopenTicket(ctx.tickets, ctx.actor, ticket), 'Reopened'),
});
