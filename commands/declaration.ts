// A command is one declaration: name, arguments, flags, permission, help — and a thin run()
// over one use case. Parsing, dispatch and `help` are all driven by these declarations.
import type { DepartmentStats, ShowResult } from '../src/tickets/queries.js';
import type { TicketContext } from '../src/tickets/context.js';
import type { TicketView } from '../src/tickets/ticket-repository.js';
import type { Actor } from '../src/domain/permissions.js';

export type ArgType = 'word' | 'rest' | 'ticket' | 'choice';

export interface ArgSpec {
  name: string;
  type: ArgType;
  optional?: boolean;
  choices?: readonly string[];
}

export type Permission = 'read' | 'write' | 'any';

/** Whether the command acts on one ticket: from the thread it was typed in, or `#<number>`. */
export type TicketNeed = 'required' | 'none';

export interface ParsedArgs {
  ticket?: string;
  args: Record<string, string | undefined>;
  flags: Record<string, string | boolean | undefined>;
}

export interface CommandContext {
  tickets: TicketContext;
  actor: Actor;
  /** Where the command was given: cli, slack, discord, matrix, web, api. */
  source: string;
  /** The ticket implied by the thread the command was typed in. */
  threadTicket?: string;
}

export interface CommandOutput {
  /** One short answer for the actor (Markdown). */
  text: string;
  ticket?: TicketView;
  tickets?: TicketView[];
  show?: ShowResult;
  stats?: DepartmentStats[];
  warnings?: string[];
}

export interface CommandDeclaration {
  name: string;
  summary: string;
  args: readonly ArgSpec[];
  flags?: Readonly<Record<string, 'boolean' | 'value'>>;
  permission: Permission;
  ticket: TicketNeed;
  run(ctx: CommandContext, parsed: ParsedArgs & { ticket: string }): Promise<CommandOutput>;
}

export const defineCommand = (d: CommandDeclaration): CommandDeclaration => d;

/** `claim [#<number>]`, `transfer [#<number>] <department> [--keep]` (the thread implies the ticket). */
export function usageOf(d: CommandDeclaration): string {
  const args = d.args.map((a) => {
    const label = a.type === 'ticket' ? '#<number>' : a.choices ? a.choices.join('|') : `<${a.name}${a.type === 'rest' ? '…' : ''}>`;
    return a.optional ? `[${label}]` : label;
  });
  const flags = Object.entries(d.flags ?? {}).map(([f, kind]) => (kind === 'boolean' ? `[--${f}]` : `[--${f} <${f}>]`));
  return [d.name, ...(d.ticket === 'required' ? ['[#<number>]'] : []), ...args, ...flags].join(' ');
}
