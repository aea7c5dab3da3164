import { DomainError } from '../src/domain/errors.js';
import { setField } from '../src/tickets/edit-usecases.js';
import { changed } from './answer.js';
import { defineCommand } from './declaration.js';

export default defineCommand({
  name: 'field',
  summary: 'Set a custom field of the help topic: field <name>=<value> (empty value clears it).',
  args: [{ name: 'assignment', type: 'rest' }],
  permission: 'write',
  ticket: 'required',
  run: async (ctx, { ticket, args }) => {
    const m = /^([^=\s]+)\s*=\s*(.*)$/s.exec(args.assignment!);
    if (!m) throw new DomainError('bad_usage', 'Usage: field <name>=<value>');
    return changed(await setField(ctx.tickets, ctx.actor, ticket, m[1]!, m[2]!), 'Field set');
  },
});
