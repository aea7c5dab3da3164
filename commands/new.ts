import { createTicket } from '../src/tickets/create-ticket.js';
import { ticketLine } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'new',
  summary: 'Open a ticket (an internal task, or on behalf of a customer with --from).',
  args: [{ name: 'subject', type: 'rest' }],
  flags: { dept: 'value', topic: 'value', from: 'value', priority: 'value' },
  permission: 'write',
  ticket: 'none',
  run: async (ctx, { args, flags }) => {
    const from = typeof flags.from === 'string' ? flags.from : undefined;
    const { ticket } = await createTicket(ctx.tickets, ctx.actor, {
      subject: args.subject!,
      departmentId: typeof flags.dept === 'string' ? flags.dept : undefined,
      topicId: typeof flags.topic === 'string' ? flags.topic : undefined,
      priority: typeof flags.priority === 'string' ? flags.priority : undefined,
      requester: from ? { email: from } : undefined,
      source: ctx.source,
    });
    return { text: `Opened ${ticketLine(ticket)}`, ticket };
  },
});
