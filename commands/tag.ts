import { changeTags } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'tag',
  summary: 'Add or remove a tag.',
  args: [
    { name: 'action', type: 'choice', choices: ['add', 'remove'] },
    { name: 'tag', type: 'word' },
  ],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await changeTags(ctx.tickets, ctx.actor, ticket, args.action as 'add' | 'remove', args.tag!), 'Tags updated'),
});
