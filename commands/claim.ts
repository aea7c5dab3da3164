import { claimTicket } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'claim',
  summary: 'Assign the ticket to yourself and start working on it.',
  args: [],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket }) => changed(await claimTicket(ctx.tickets, ctx.actor, ticket), 'Claimed'),
});
