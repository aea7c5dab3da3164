import { changeCollaborators } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'cc',
  summary: 'Add or remove a collaborator who gets every public message.',
  args: [
    { name: 'action', type: 'choice', choices: ['add', 'remove'] },
    { name: 'email', type: 'word' },
  ],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) =>
    changed(await changeCollaborators(ctx.tickets, ctx.actor, ticket, args.action as 'add' | 'remove', args.email!), 'CC updated'),
});
