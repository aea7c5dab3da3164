import { acceptFlaggedMessage } from '../src/tickets/message-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'accept',
  summary: "Accept a flagged message from an unknown sender as the customer's (adds them to CC).",
  args: [],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket }) => changed(await acceptFlaggedMessage(ctx.tickets, ctx.actor, ticket), 'Accepted'),
});
