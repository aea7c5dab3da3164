// Pure parts of the Discord adapter: the /ticket definition (checked with the double's copy of
// Discord's registration rules), option → command line, rendering within Discord's limits,
// escaping, splitting, inbound text, reactions, permissions and forum tags.
import { ApplicationCommandOptionType as Opt, PermissionFlagsBits, type APIApplicationCommandInteractionDataOption } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { tagsForStatus } from '../../adapters/discord/channels.js';
import {
  channelPermissions, commandLine, discordTextToMarkdown, escapeMarkdown, LIMITS, parseCommand, reactionEmoji, renderCard, renderMessage,
  REQUIRED_PERMISSIONS_INTEGER, splitText, SUBCOMMAND_NAMES, ticketCommand,
} from '../../adapters/discord/index.js';
import { validateCommand, validateMessage, type Json } from '../doubles/discord-model.js';
import { testCard } from './contract.js';
import { pingsOf } from './discord-harness.js';

const sub = (name: string, options: APIApplicationCommandInteractionDataOption[] = []): APIApplicationCommandInteractionDataOption[] =>
  [{ type: Opt.Subcommand, name, options } as APIApplicationCommandInteractionDataOption];
const str = (name: string, value: string) => ({ type: Opt.String, name, value }) as APIApplicationCommandInteractionDataOption;

describe('/ticket definition', () => {
  it('passes Discord’s registration rules and has a subcommand per verb', () => {
    const command = ticketCommand();
    expect(() => validateCommand(command as unknown as Json)).not.toThrow();
    expect(SUBCOMMAND_NAMES).toEqual(expect.arrayContaining(['claim', 'release', 'assign', 'status', 'close', 'reopen', 'spam', 'transfer', 'priority', 'reply', 'note', 'show', 'list', 'search', 'new', 'help']));
    expect(SUBCOMMAND_NAMES.length).toBeLessThanOrEqual(25);
    const claim = command.options?.find((o) => o.name === 'claim') as { options?: Array<{ name: string }> };
    expect(claim.options?.map((o) => o.name)).toEqual(['ticket']);
  });

  it('turns options into the command grammar, quoting what the tokenizer would split', () => {
    expect(commandLine(sub('claim'))).toBe('claim');
    expect(commandLine(sub('claim', [str('ticket', '20261123000001')]))).toBe('claim #20261123000001');
    expect(commandLine(sub('reply', [str('text', '  Hello "there", see #5  '), str('ticket', '#7')]))).toBe('reply #7 Hello "there", see #5');
    expect(commandLine(sub('transfer', [str('department', '--keep')]))).toBe('transfer "--keep"');
    expect(commandLine(sub('merge', [str('other', '123')]))).toBe('merge #123');
    expect(commandLine(sub('list', [str('department', 'IT')]))).toBe('list IT');
    expect(commandLine(sub('help'))).toBe('help');
    expect(commandLine([])).toBeNull();
  });
});

describe('rendering', () => {
  it('keeps a card within Discord’s limits whatever the subject', () => {
    const card = renderCard(testCard({ subject: '*'.repeat(2000), requester: '_'.repeat(2000), tags: Array.from({ length: 300 }, (_, i) => `tag${i}`), topic: 'x'.repeat(900) }));
    expect(() => validateMessage(card as unknown as Json, 0)).not.toThrow();
    expect(card.embeds[0]!.title!.length).toBeLessThanOrEqual(LIMITS.title);
    expect(card.embeds[0]!.title).not.toMatch(/[^\\]\\$/);
  });

  it('escapes markdown and mentions so text shows as typed', () => {
    expect(escapeMarkdown('**bold** @everyone <@123> `x`')).toBe('\\*\\*bold\\*\\* \\@everyone \\<\\@123\\> \\`x\\`');
    expect(pingsOf(escapeMarkdown('@everyone <@123>'), undefined)).toEqual([]);
    expect(pingsOf('@everyone <@123>', undefined)).toEqual(['@everyone', '<@123>']);
    expect(pingsOf('@everyone <@123>', { parse: [] })).toEqual([]);
  });

  it('renders kind, author and origin; events on one line', () => {
    expect(renderMessage({ kind: 'reply', authorName: 'Alice', text: 'Hi', origin: 'matrix' }).content).toBe('📤 **Alice** (reply, sent to the customer, via Matrix)\nHi');
    expect(renderMessage({ kind: 'event', authorName: 'Alice', text: 'closed the ticket' }).content).toBe('ℹ️ **Alice** closed the ticket');
    expect(renderMessage({ kind: 'note', authorName: 'A', text: '![shot](https://x.test/a.png)\n#### Deep' }).content).toContain('[shot](https://x.test/a.png)\n**Deep**');
  });

  it('closes a code block cut by the 2 000-character limit', () => {
    const text = `intro\n\`\`\`\n${'code line\n'.repeat(400)}\`\`\``;
    const { content, overflow } = renderMessage({ kind: 'customer', authorName: 'C', text });
    expect(content.length).toBeLessThanOrEqual(2000);
    expect((content.match(/```/g) ?? []).length % 2).toBe(0);
    expect(overflow?.content.toString()).toContain(text);
  });

  it('splits answers at line boundaries, each part within the limit', () => {
    const text = Array.from({ length: 300 }, (_, i) => `row ${i}`).join('\n');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
    expect(parts.join('\n')).toBe(text);
    expect(splitText('')).toEqual(['(no answer)']);
  });
});

describe('inbound', () => {
  it('recognises `!ticket` and a leading mention of the bot only', () => {
    expect(parseCommand('!ticket claim', '42')).toEqual({ source: 'text', text: 'claim' });
    expect(parseCommand('!TICKET', '42')).toEqual({ source: 'text', text: '' });
    expect(parseCommand('<@!42>, assign <@!7>', '42')).toEqual({ source: 'mention', text: 'assign <@7>' });
    expect(parseCommand('<@43> claim', '42')).toBeNull();
    expect(parseCommand('please !ticket claim', '42')).toBeNull();
  });

  it('turns mentions, custom emoji and timestamps into readable Markdown', () => {
    const text = discordTextToMarkdown('hi <@1> and <@!2> <:blob:99> <t:0:R>', [
      { id: '1', username: 'alice', global_name: 'Alice' }, { id: '2', username: 'bob', member: { nick: 'Bobby' } },
    ]);
    expect(text).toBe('hi @Alice and @Bobby :blob: 1970-01-01T00:00:00.000Z');
  });

  it('normalises reaction emoji', () => {
    expect(reactionEmoji({ id: null, name: '✋🏿' })).toBe('✋');
    expect(reactionEmoji({ id: null, name: '⌛' })).toBe('⏳');
    expect(reactionEmoji({ id: '5', name: 'blob' })).toBe(':blob:');
    expect(reactionEmoji({ id: null, name: null })).toBeNull();
  });
});

describe('permissions and forum tags', () => {
  const guild = { id: 'g', owner_id: 'owner', roles: [{ id: 'g', permissions: String(PermissionFlagsBits.ViewChannel) }, { id: 'bot', permissions: String(REQUIRED_PERMISSIONS_INTEGER) }] };

  it('computes channel permissions as Discord does', () => {
    expect(channelPermissions(guild, ['bot'], 'me', []) & PermissionFlagsBits.SendMessages).toBe(PermissionFlagsBits.SendMessages);
    const denyRole = [{ id: 'bot', type: 0, allow: '0', deny: String(PermissionFlagsBits.SendMessages) }];
    expect(channelPermissions(guild, ['bot'], 'me', denyRole) & PermissionFlagsBits.SendMessages).toBe(0n);
    const allowMember = [...denyRole, { id: 'me', type: 1, allow: String(PermissionFlagsBits.SendMessages), deny: '0' }];
    expect(channelPermissions(guild, ['bot'], 'me', allowMember) & PermissionFlagsBits.SendMessages).toBe(PermissionFlagsBits.SendMessages);
    expect(channelPermissions(guild, [], 'owner', denyRole) & PermissionFlagsBits.SendMessages).toBe(PermissionFlagsBits.SendMessages);
  });

  it('swaps only status tags, matching names loosely', () => {
    const forum = { id: 'f', type: 15, availableTags: [{ id: '1', name: 'Open' }, { id: '2', name: 'In Progress' }, { id: '3', name: 'VIP' }] };
    expect(tagsForStatus(forum, ['3', '1'], 'in_progress')).toEqual(['3', '2']);
    expect(tagsForStatus(forum, ['2'], 'waiting')).toEqual([]);
    expect(tagsForStatus(undefined, ['9'], 'open')).toEqual(['9']);
  });
});
