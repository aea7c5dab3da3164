// The `/ticket` application command: its definition (one subcommand per verb, with typed
// options), the translation of an invoked subcommand back into the one command grammar the core
// parses (`assign #20261123000001 <@1234>`), and its registration per guild. Registration is a
// bulk overwrite (PUT), which Discord applies idempotently: same name → same command, no copies.
import {
  ApplicationCommandOptionType, REST, Routes,
  type APIApplicationCommandBasicOption, type APIApplicationCommandInteractionDataOption, type APIApplicationCommandSubcommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';

export const COMMAND_NAME = 'ticket';

type ArgKind = 'word' | 'rest' | 'user' | 'ticketRef' | 'flag' | 'valueFlag';
interface ArgDef { name: string; description: string; kind: ArgKind; required?: boolean; choices?: readonly string[]; flag?: string }
interface SubDef { name: string; description: string; args?: readonly ArgDef[]; ticket?: boolean }

const STATUSES = ['open', 'in_progress', 'waiting', 'closed', 'spam', 'archived', 'deleted'] as const;
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const LIST_FILTERS = ['mine', 'open', 'unassigned', 'waiting', 'all'] as const;
const ADD_REMOVE = ['add', 'remove'] as const;

/** Keep in step with commands/index.ts (the verbs) — the core parses what this produces. */
const SUBCOMMANDS: readonly SubDef[] = [
  { name: 'claim', description: 'Assign the ticket to yourself and start working on it', ticket: true },
  { name: 'release', description: 'Unassign the ticket so someone else can take it', ticket: true },
  { name: 'assign', description: 'Assign the ticket to an agent', ticket: true, args: [{ name: 'agent', description: 'The agent', kind: 'user', required: true }] },
  {
    name: 'status', description: 'Set the status', ticket: true,
    args: [{ name: 'status', description: 'New status', kind: 'word', required: true, choices: STATUSES }, { name: 'reason', description: 'Why (optional)', kind: 'rest' }],
  },
  { name: 'close', description: 'Close the ticket', ticket: true, args: [{ name: 'reason', description: 'Why (optional)', kind: 'rest' }] },
  { name: 'reopen', description: 'Reopen a closed, spam, archived or deleted ticket', ticket: true },
  { name: 'spam', description: 'Close the ticket as spam', ticket: true },
  {
    name: 'transfer', description: 'Move the ticket to another department', ticket: true,
    args: [{ name: 'department', description: 'Target department', kind: 'word', required: true }, { name: 'keep', description: 'Keep your access as a referrer', kind: 'flag' }],
  },
  { name: 'priority', description: 'Set the priority', ticket: true, args: [{ name: 'priority', description: 'New priority', kind: 'word', required: true, choices: PRIORITIES }] },
  { name: 'reply', description: 'Send a public reply to the customer by email', ticket: true, args: [{ name: 'text', description: 'The reply', kind: 'rest', required: true }] },
  { name: 'note', description: 'Add an internal note (never sent to the customer)', ticket: true, args: [{ name: 'text', description: 'The note', kind: 'rest', required: true }] },
  { name: 'show', description: 'Show the ticket and its history', ticket: true },
  { name: 'accept', description: 'Accept a flagged message from an unknown sender as the customer’s', ticket: true },
  { name: 'tag', description: 'Add or remove a tag', ticket: true, args: [{ name: 'action', description: 'add or remove', kind: 'word', required: true, choices: ADD_REMOVE }, { name: 'tag', description: 'The tag', kind: 'word', required: true }] },
  { name: 'cc', description: 'Add or remove a collaborator', ticket: true, args: [{ name: 'action', description: 'add or remove', kind: 'word', required: true, choices: ADD_REMOVE }, { name: 'email', description: 'Their email address', kind: 'word', required: true }] },
  { name: 'field', description: 'Set a custom field: name=value', ticket: true, args: [{ name: 'assignment', description: 'name=value (empty value clears it)', kind: 'rest', required: true }] },
  { name: 'merge', description: 'Merge this ticket into another one', ticket: true, args: [{ name: 'other', description: 'The ticket to merge into, e.g. #20261123000001', kind: 'ticketRef', required: true }] },
  { name: 'link', description: 'Link this ticket to a related one', ticket: true, args: [{ name: 'other', description: 'The related ticket, e.g. #20261123000001', kind: 'ticketRef', required: true }] },
  {
    name: 'new', description: 'Open a ticket (e.g. an internal task)',
    args: [
      { name: 'subject', description: 'Subject', kind: 'rest', required: true },
      { name: 'department', description: 'Department (default: this channel’s)', kind: 'valueFlag', flag: 'dept' },
      { name: 'priority', description: 'Priority', kind: 'valueFlag', flag: 'priority', choices: PRIORITIES },
    ],
  },
  {
    name: 'list', description: 'List tickets',
    args: [{ name: 'filter', description: 'Which tickets (default: open)', kind: 'word', choices: LIST_FILTERS }, { name: 'department', description: 'Only this department', kind: 'word' }],
  },
  { name: 'search', description: 'Find tickets by subject, number or message text', args: [{ name: 'text', description: 'What to look for', kind: 'rest', required: true }] },
  { name: 'stats', description: 'Ticket counts by status, per department', args: [{ name: 'department', description: 'Only this department', kind: 'word' }] },
  { name: 'help', description: 'The list of commands, or the usage of one', args: [{ name: 'command', description: 'A command', kind: 'word' }] },
];

const TICKET_OPTION: APIApplicationCommandBasicOption = {
  type: ApplicationCommandOptionType.String, name: 'ticket', description: 'Ticket number, e.g. #20261123000001 (not needed inside its thread)', required: false, max_length: 64,
};

function optionOf(arg: ArgDef): APIApplicationCommandBasicOption {
  const base = { name: arg.name, description: arg.description, required: arg.required ?? false };
  if (arg.kind === 'user') return { ...base, type: ApplicationCommandOptionType.User };
  if (arg.kind === 'flag') return { ...base, type: ApplicationCommandOptionType.Boolean };
  return {
    ...base, type: ApplicationCommandOptionType.String,
    ...(arg.choices ? { choices: arg.choices.map((c) => ({ name: c, value: c })) } : { max_length: arg.kind === 'rest' ? 4000 : 200 }),
  };
}

/** The JSON Discord gets for `/ticket`. Required options come first (Discord refuses otherwise). */
export function ticketCommand(): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const options: APIApplicationCommandSubcommandOption[] = SUBCOMMANDS.map((sub) => {
    const args = (sub.args ?? []).map(optionOf);
    const ordered = [...args.filter((o) => o.required), ...args.filter((o) => !o.required), ...(sub.ticket ? [TICKET_OPTION] : [])];
    return { type: ApplicationCommandOptionType.Subcommand, name: sub.name, description: sub.description, options: ordered };
  });
  return { name: COMMAND_NAME, description: 'Work on helpdesk tickets', options };
}

export const SUBCOMMAND_NAMES: readonly string[] = SUBCOMMANDS.map((s) => s.name);

/** A value that the core's tokenizer must see as one plain word. */
function word(value: string): string {
  return /^[#-]|[\s"']/.test(value) || value === '' ? `"${value.replace(/["\\]/g, '\\$&')}"` : value;
}

function ticketRef(value: string): string {
  const bare = value.replace(/\s+/g, '').replace(/^#/, '');
  return `#${bare}`;
}

/**
 * An invoked subcommand → the command line the core parses. Unknown subcommands (an older
 * registration) fall back to the name alone, so the core answers with its usage.
 */
export function commandLine(options: readonly APIApplicationCommandInteractionDataOption[]): string | null {
  const sub = options.find((o) => o.type === ApplicationCommandOptionType.Subcommand);
  if (!sub || sub.type !== ApplicationCommandOptionType.Subcommand) return null;
  const values = new Map<string, string | number | boolean>();
  for (const o of sub.options ?? []) if ('value' in o) values.set(o.name, o.value);
  const def = SUBCOMMANDS.find((s) => s.name === sub.name);
  const parts: string[] = [sub.name];
  const ticket = values.get('ticket');
  if (def?.ticket && typeof ticket === 'string' && ticket.trim()) parts.push(ticketRef(ticket));
  const args = def?.args ?? [];
  // Flags go before the positional arguments: the core reads everything after the first word of
  // a free-text argument as that text.
  for (const arg of args) {
    const value = values.get(arg.name);
    if (arg.kind === 'flag' && value === true) parts.push(`--${arg.flag ?? arg.name}`);
    if (arg.kind === 'valueFlag' && typeof value === 'string' && value.trim()) parts.push(`--${arg.flag ?? arg.name}`, word(value.trim()));
  }
  for (const arg of args) {
    const value = values.get(arg.name);
    if (value === undefined || arg.kind === 'flag' || arg.kind === 'valueFlag') continue;
    const text = String(value).trim();
    if (arg.kind === 'rest') parts.push(text);
    else if (arg.kind === 'user') parts.push(`<@${text}>`);
    else if (arg.kind === 'ticketRef') parts.push(ticketRef(text));
    else parts.push(word(text));
  }
  return parts.filter((p) => p !== '').join(' ');
}

export interface RegisteredCommand { guildId: string; commandId: string }

/** Bulk-overwrites the guild commands with `/ticket` in each guild (idempotent). */
export async function putCommands(rest: REST, applicationId: string, guildIds: readonly string[]): Promise<RegisteredCommand[]> {
  const out: RegisteredCommand[] = [];
  for (const guildId of guildIds) {
    let res: unknown;
    try {
      res = await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body: [ticketCommand()] });
    } catch (err) {
      throw new Error(
        `Registering /${COMMAND_NAME} in guild ${guildId} failed: ${err instanceof Error ? err.message : String(err)}. ` +
          'Check DISCORD_APPLICATION_ID and that the bot was invited with the applications.commands scope.',
        { cause: err },
      );
    }
    const list = Array.isArray(res) ? (res as Array<{ id?: unknown; name?: unknown }>) : [];
    const mine = list.find((c) => c.name === COMMAND_NAME);
    if (typeof mine?.id !== 'string') throw new Error(`Discord accepted /${COMMAND_NAME} for guild ${guildId} but did not return it; run the registration again.`);
    out.push({ guildId, commandId: mine.id });
  }
  return out;
}

export interface RegisterOptions {
  token: string;
  applicationId: string;
  /** DISCORD_API_URL, e.g. a test double; default https://discord.com/api. */
  apiUrl?: string;
  guildIds: readonly string[];
}

/** For `threaddesk discord register`: registers `/ticket` without connecting to the gateway. */
export async function registerCommands(options: RegisterOptions): Promise<RegisteredCommand[]> {
  if (!options.token) throw new Error('The Discord bot token is empty: set DISCORD_TOKEN.');
  if (!options.applicationId) throw new Error('The Discord application id is empty: set DISCORD_APPLICATION_ID (Developer Portal → General Information).');
  if (options.guildIds.length === 0) throw new Error('No Discord guild to register /ticket in: configure the guild id(s) of your server(s).');
  const rest = new REST({ api: normaliseApiUrl(options.apiUrl), version: '10' }).setToken(options.token);
  return putCommands(rest, options.applicationId, options.guildIds);
}

/** `DISCORD_API_URL` with or without a trailing slash or `/v10` → what discord.js expects. */
export function normaliseApiUrl(apiUrl: string | undefined): string {
  if (!apiUrl) return 'https://discord.com/api';
  return apiUrl.replace(/\/+$/, '').replace(/\/v\d+$/, '');
}
