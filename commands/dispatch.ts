// Every path (CLI, slash command, `!ticket`, buttons, reactions, web) ends here: parse the
// line against the command table, check the declared permission, run the one use case.
import { DomainError } from '../src/domain/errors.js';
import { COMMANDS } from './index.js';
import { parseCommandLine } from './parse.js';
import type { CommandContext, CommandOutput } from './declaration.js';

export async function runCommand(ctx: CommandContext, line: string): Promise<CommandOutput> {
  const { command, parsed } = parseCommandLine(line, COMMANDS, ctx.threadTicket);
  // A deactivated agent is told so, not that their (now empty) access is read-only.
  if (!ctx.actor.active) throw new DomainError('forbidden', `Agent ${ctx.actor.email} is deactivated or locked.`);
  if (command.permission === 'write' && command.ticket === 'none' && ctx.actor.role !== 'admin') {
    const writable = Object.values(ctx.actor.access).includes('write');
    if (!writable) throw new DomainError('read_only', `You have read-only access; \`${command.name}\` needs write access to a department.`);
  }
  return command.run(ctx, { ...parsed, ticket: parsed.ticket ?? '' });
}
