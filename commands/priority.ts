import { PRIORITIES } from '../src/domain/lifecycle.js';
import { setPriority } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'priority',
  summary: 'Set the priority.',
  args: [{ name: 'priority', type: 'choice', choices: PRIORITIES }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await setPriority(ctx.tickets, ctx.actor, ticket, args.priority!), 'Priority set'),
});
