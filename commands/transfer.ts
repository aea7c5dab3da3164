import { transferTicket } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'transfer',
  summary: 'Move the ticket to another department; --keep keeps your access as a referrer.',
  args: [{ name: 'department', type: 'word' }],
  flags: { keep: 'boolean' },
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args, flags }) =>
    changed(await transferTicket(ctx.tickets, ctx.actor, ticket, args.department!, flags.keep === true), 'Transferred'),
});
