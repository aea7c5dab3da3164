import { mergeTicket } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'merge',
  summary: 'Merge this ticket into another one (this one closes and points there).',
  args: [{ name: 'other', type: 'ticket' }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await mergeTicket(ctx.tickets, ctx.actor, ticket, args.other!), 'Merged'),
});
