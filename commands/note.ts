import { addNote } from '../src/tickets/message-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'note',
  summary: 'Add an internal note (never sent to the customer).',
  args: [{ name: 'text', type: 'rest' }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await addNote(ctx.tickets, ctx.actor, ticket, { text: args.text!, source: ctx.source }), 'Note added'),
});
