import { addReply } from '../src/tickets/message-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'reply',
  summary: 'Send a public reply to the customer by email.',
  args: [{ name: 'text', type: 'rest' }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await addReply(ctx.tickets, ctx.actor, ticket, { text: args.text!, source: ctx.source }), 'Reply queued'),
});
