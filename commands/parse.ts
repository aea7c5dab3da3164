// Turns a command line into a declaration and its arguments, or a one-line error with usage.
import { DomainError } from '../src/domain/errors.js';
import { usageOf, type CommandDeclaration, type ParsedArgs } from './declaration.js';

interface Token {
  value: string;
  /** Offset of the token in the line, so `rest` arguments keep the text exactly as typed. */
  start: number;
  quoted: boolean;
}

export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const quoted = m[1] !== undefined || m[2] !== undefined;
    tokens.push({ value: m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? m[3] ?? '', start: m.index, quoted });
  }
  return tokens;
}

const isTicketToken = (t: Token) => !t.quoted && /^#\S+$/.test(t.value);

export interface Parsed {
  command: CommandDeclaration;
  parsed: ParsedArgs;
}

export function parseCommandLine(line: string, commands: ReadonlyMap<string, CommandDeclaration>, threadTicket?: string): Parsed {
  const text = line.trim();
  const tokens = tokenize(text);
  const verb = tokens.shift();
  if (!verb) throw new DomainError('bad_usage', 'Say what to do, e.g. `claim`, or `help` for the list of commands.');
  const command = commands.get(verb.value.toLowerCase());
  if (!command) {
    throw new DomainError('unknown_command', `Unknown command "${verb.value}". Commands: ${[...commands.keys()].join(', ')}. Try \`help\`.`);
  }
  const usage = () => `Usage: ${usageOf(command)}`;
  const bad = (why: string) => new DomainError('bad_usage', `${why}. ${usage()}`);

  // Flags first (they may appear anywhere before a rest argument's text).
  const flags: ParsedArgs['flags'] = {};
  const declared = command.flags ?? {};
  const positional: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const m = !t.quoted ? /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(t.value) : null;
    if (!m) {
      positional.push(t);
      continue;
    }
    const kind = declared[m[1]!];
    if (!kind) throw bad(`Unknown option --${m[1]}`);
    if (kind === 'boolean') flags[m[1]!] = true;
    else {
      const value = m[2] ?? tokens[++i]?.value;
      if (value === undefined || value === '') throw bad(`--${m[1]} needs a value`);
      flags[m[1]!] = value;
    }
  }

  // `#<number>`: the ticket to act on, unless the command takes tickets as arguments and the
  // thread already says which ticket this is.
  let ticket: string | undefined;
  if (command.ticket === 'required') {
    // With free text at the end (reply, note…), only the first word can select the ticket, so
    // "reply see #5 for details" in a thread does not jump to ticket 5.
    const hasRest = command.args.some((a) => a.type === 'rest');
    const hashes = (hasRest ? positional.slice(0, 1) : positional).filter(isTicketToken);
    const ticketArgs = command.args.filter((a) => a.type === 'ticket').length;
    if (hashes.length > ticketArgs) {
      ticket = hashes[0]!.value;
      positional.splice(positional.indexOf(hashes[0]!), 1);
    } else if (threadTicket) {
      ticket = threadTicket;
    } else {
      throw bad('Say which ticket: #<number>');
    }
  }

  const args: ParsedArgs['args'] = {};
  let p = 0;
  for (const spec of command.args) {
    if (spec.type === 'rest') {
      const first = positional[p];
      if (first) {
        // The text as typed (line breaks and spacing kept), unless options were mixed into it.
        const remaining = positional.slice(p);
        const flagsInside = tokens.some((t) => t.start > first.start && !positional.includes(t));
        args[spec.name] = flagsInside ? remaining.map((t) => t.value).join(' ') : text.slice(first.start).trim();
        p = positional.length;
      } else if (!spec.optional) throw bad(`Missing ${spec.name}`);
      continue;
    }
    const t = positional[p];
    if (!t) {
      if (!spec.optional) throw bad(`Missing ${spec.name}`);
      continue;
    }
    if (spec.type === 'ticket' && !isTicketToken(t)) throw bad(`Expected a ticket like #20261123000001, got "${t.value}"`);
    if (spec.type === 'choice' && spec.choices && !spec.choices.includes(t.value.toLowerCase())) {
      if (spec.optional) continue;
      throw bad(`"${t.value}" is not one of ${spec.choices.join(', ')}`);
    }
    args[spec.name] = spec.type === 'choice' ? t.value.toLowerCase() : t.value;
    p++;
  }
  if (p < positional.length) throw bad(`Unexpected "${positional[p]!.value}"`);
  return { command, parsed: { ticket, args, flags } };
}
