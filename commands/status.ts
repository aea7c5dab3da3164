import { STATUSES } from '../src/domain/lifecycle.js';
import { setTicketStatus } from '../src/tickets/lifecycle-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'status',
  summary: 'Set the status (waiting releases the assignee; archived and deleted are for admins).',
  args: [
    { name: 'status', type: 'choice', choices: STATUSES },
    { name: 'reason', type: 'rest', optional: true },
  ],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => changed(await setTicketStatus(ctx.tickets, ctx.actor, ticket, args.status!, args.reason), 'Status set'),
});
