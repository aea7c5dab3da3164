import { rawMailsOfTicket } from '../src/mail/raw-mails.js';
import { showTicket } from '../src/tickets/queries.js';
import { ticketLine } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'show',
  summary: 'Show the ticket and its history; --raw prints the mails as received.',
  args: [],
  flags: { raw: 'boolean' },
  permission: 'read',
  ticket: 'required',
  run: async (ctx, { ticket, flags }) => {
    if (flags.raw === true) {
      const { number, mails } = await rawMailsOfTicket(ctx.tickets, ctx.actor, ticket);
      if (mails.length === 0) return { text: `#${number} has no mail.` };
      return { text: mails.map((m) => `----- message ${m.messageId} (${m.kind}, ${m.createdAt}) -----\n${m.raw.toString('utf8').replace(/\r\n/g, '\n')}`).join('\n') };
    }
    const show = await showTicket(ctx.tickets, ctx.actor, ticket);
    const history = show.messages.map((m) => `${m.createdAt.slice(0, 16).replace('T', ' ')} ${m.kind.padEnd(8)} ${m.author}: ${m.text.split('\n')[0]}`);
    const { messages: _messages, ...view } = show;
    return { text: [ticketLine(show), ...history].join('\n'), ticket: view, show };
  },
});
