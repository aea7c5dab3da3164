import { releaseTicket } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'release',
  summary: 'Unassign the ticket so someone else can take it.',
  args: [],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket }) => changed(await releaseTicket(ctx.tickets, ctx.actor, ticket), 'Released'),
});
