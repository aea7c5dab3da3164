// The command table: the one place that says which verbs exist.
import accept from './accept.js';
import assign from './assign.js';
import cc from './cc.js';
import claim from './claim.js';
import close from './close.js';
import field from './field.js';
import link from './link.js';
import list from './list.js';
import merge from './merge.js';
import newTicket from './new.js';
import note from './note.js';
import priority from './priority.js';
import release from './release.js';
import reopen from './reopen.js';
import reply from './reply.js';
import search from './search.js';
import show from './show.js';
import spam from './spam.js';
import stats from './stats.js';
import status from './status.js';
import tag from './tag.js';
import transfer from './transfer.js';
import { defineCommand, usageOf, type CommandDeclaration } from './declaration.js';

const VERBS: CommandDeclaration[] = [
  claim, release, assign, status, close, reopen, spam, transfer, priority,
  reply, note, accept, cc, field, tag, merge, link, newTicket, list, search, show, stats,
];

const help = defineCommand({
  name: 'help',
  summary: 'This list, or the usage of one command.',
  args: [{ name: 'command', type: 'word', optional: true }],
  permission: 'any',
  ticket: 'none',
  run: async (_ctx, { args }) => ({ text: helpText(args.command) }),
});

export const COMMANDS: ReadonlyMap<string, CommandDeclaration> = new Map([...VERBS, help].map((c) => [c.name, c]));

export function helpText(verb?: string): string {
  if (verb) {
    const c = COMMANDS.get(verb.toLowerCase());
    if (!c) return `Unknown command "${verb}". Commands: ${[...COMMANDS.keys()].join(', ')}.`;
    return `${usageOf(c)}\n  ${c.summary}`;
  }
  const width = Math.max(...[...COMMANDS.values()].map((c) => usageOf(c).length));
  return [
    'Commands (in a ticket thread the ticket is implied; elsewhere add #<number>):',
    ...[...COMMANDS.values()].map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`),
  ].join('\n');
}
