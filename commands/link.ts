import { linkTicket } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'link',
  summary: 'Link this ticket to a related one.',
  args: [{ name: 'other', type: 'ticket' }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await linkTicket(ctx.tickets, ctx.actor, ticket, args.other!), 'Linked'),
});
