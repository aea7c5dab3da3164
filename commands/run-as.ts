// Runs a command line as the agent with the given email; used by the CLI, directly or through
// the running server's control endpoint.
import { isDomainError } from '../src/domain/errors.js';
import { actorByEmail } from '../src/tickets/actors.js';
import type { TicketContext } from '../src/tickets/context.js';
import type { CommandOutput } from './declaration.js';
import { runCommand } from './dispatch.js';

export type CommandOutcome = { ok: true; output: CommandOutput } | { ok: false; error: { code: string; message: string } };

export async function runCommandAs(tickets: TicketContext, email: string, line: string, source = 'cli'): Promise<CommandOutcome> {
  try {
    const actor = await actorByEmail(tickets.db, email);
    return { ok: true, output: await runCommand({ tickets, actor, source }, line) };
  } catch (err) {
    if (isDomainError(err)) return { ok: false, error: { code: err.code, message: err.message } };
    throw err;
  }
}
