// The chat contract for Discord, run against the wire-level double through discord.js, plus what
// only Discord has: /ticket inside threads, deferred interactions, 429s, the 2 000-character
// limit, archiving, idempotent command registration, private answers by DM. Forum channels,
// doctor and start-up errors: discord-forum.test.ts; pure functions: discord-units.test.ts.
import { ApplicationCommandOptionType as Opt, ChannelType } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CommandAnswer, InboundCommand } from '../../adapters/chat-port.js';
import { defineChatContract, eventually, RecordingHandlers, testCard } from './contract.js';
import { createDiscordHarness, type DiscordHarness } from './discord-harness.js';

defineChatContract('discord', () => createDiscordHarness());

/** Records like RecordingHandlers; commands can be made slow. */
class SlowHandlers extends RecordingHandlers {
  commandDelayMs = 0;
  override async onCommand(c: InboundCommand): Promise<CommandAnswer> {
    if (this.commandDelayMs > 0) await new Promise((r) => setTimeout(r, this.commandDelayMs));
    return super.onCommand(c);
  }
}

const buttonsOf = (h: DiscordHarness, id: string) =>
  (h.double.message(id)?.components ?? []).flatMap((row) => (Array.isArray(row.components) ? row.components : [])).map((b) => String((b as { label?: unknown }).label));

describe('discord specifics', () => {
  const handlers = new SlowHandlers();
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await createDiscordHarness();
    await h.adapter.start(handlers);
  });
  afterAll(async () => {
    await h?.adapter.stop();
    await h?.close();
  });
  beforeEach(async () => {
    await h.settle();
    h.double.clearFaults();
    handlers.reset();
    handlers.commandDelayMs = 0;
  });

  it('runs /ticket inside a ticket thread on that thread, answered ephemerally at once', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    const interaction = h.people.slash(h.alice.id, thread.threadId, 'claim');
    await eventually(() => expect(interaction.responses).toHaveLength(1));
    expect(handlers.commands[0]).toMatchObject({ source: 'slash', text: 'claim', threadId: thread.threadId, channelId: h.text.id, actor: { userId: h.alice.id } });
    expect(interaction.responses[0]).toMatchObject({ kind: 'callback', type: 4, flags: 64, content: 'answer to: claim' });
    expect(h.double.ephemerals.filter((e) => e.userId === h.bob.id)).toEqual([]);
  });

  it('notifies ephemerally through the user’s recent interaction in that thread, else by DM', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    const interaction = h.people.slash(h.alice.id, thread.threadId, 'show');
    await eventually(() => expect(interaction.responses).toHaveLength(1));
    const dms = h.double.dmsTo(h.alice.id).length;
    await h.adapter.notify({ channelId: h.text.id, threadId: thread.threadId, userId: h.alice.id }, 'only for you');
    expect(interaction.responses.at(-1)).toMatchObject({ kind: 'followup', flags: 64, content: 'only for you' });
    await h.adapter.notify({ channelId: h.text.id, userId: h.alice.id }, 'elsewhere');
    expect(h.double.dmsTo(h.alice.id).slice(dms).map((m) => m.content)).toEqual(['elsewhere']);
  });

  it('turns typed options into the one command grammar', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    h.people.slash(h.alice.id, thread.threadId, 'assign', [{ name: 'agent', type: Opt.User, value: h.bob.id }]);
    h.people.slash(h.alice.id, thread.threadId, 'transfer', [{ name: 'department', type: Opt.String, value: 'Front Desk' }, { name: 'keep', type: Opt.Boolean, value: true }]);
    h.people.slash(h.alice.id, thread.threadId, 'status', [{ name: 'status', type: Opt.String, value: 'waiting' }, { name: 'reason', type: Opt.String, value: 'parts ordered' }]);
    h.people.slash(h.alice.id, h.text.id, 'close', [{ name: 'reason', type: Opt.String, value: 'fixed it' }, { name: 'ticket', type: Opt.String, value: '20261123000001' }]);
    h.people.slash(h.alice.id, h.text.id, 'new', [{ name: 'subject', type: Opt.String, value: 'Order toner' }, { name: 'priority', type: Opt.String, value: 'high' }]);
    await eventually(() => expect(handlers.commands).toHaveLength(5));
    expect(handlers.commands.map((c) => c.text).sort()).toEqual([
      `assign <@${h.bob.id}>`, 'close #20261123000001 fixed it', 'new --priority high Order toner', 'status waiting parts ordered', 'transfer --keep "Front Desk"',
    ]);
    expect(handlers.commands.find((c) => c.text.startsWith('close'))?.threadId).toBeUndefined();
  });

  it('defers an interaction whose work takes longer than Discord allows, then edits the answer in', async () => {
    handlers.commandDelayMs = 3500;
    const started = Date.now();
    const interaction = h.people.slash(h.alice.id, h.text.id, 'search', [{ name: 'text', type: Opt.String, value: 'printer' }]);
    await eventually(() => expect(interaction.responses).toHaveLength(2), 10_000);
    const [ack, answer] = interaction.responses;
    expect(ack).toMatchObject({ kind: 'callback', type: 5, flags: 64 });
    expect(ack!.at - started).toBeLessThan(h.double.ackDeadlineMs);
    expect(answer).toMatchObject({ kind: 'original', content: 'answer to: search printer' });
    expect(answer!.at - started).toBeGreaterThanOrEqual(3400);
    expect(h.double.ephemerals.filter((e) => e.interactionId === interaction.id).map((e) => e.content)).toEqual(['answer to: search printer']);
  });

  it('answers by direct message when Discord no longer takes the interaction', async () => {
    h.double.ackDeadlineMs = -1; // as if the network had eaten the 3 s
    try {
      h.people.slash(h.alice.id, h.text.id, 'list');
      await eventually(() => expect(h.double.dmsTo(h.alice.id).map((m) => m.content)).toContain('answer to: list'));
    } finally {
      h.double.ackDeadlineMs = 3000;
    }
  });

  it('splits a long answer into an ephemeral reply and ephemeral follow-ups', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `line ${i} of the help text`).join('\n');
    const original = handlers.onCommand.bind(handlers);
    handlers.onCommand = async (c) => ({ ...(await original(c)), text: long });
    try {
      const interaction = h.people.slash(h.alice.id, h.text.id, 'help');
      await eventually(() => expect(interaction.responses.length).toBeGreaterThanOrEqual(2));
      await h.settle();
      expect(interaction.responses.map((r) => r.kind)).toEqual(['callback', 'followup']);
      expect(interaction.responses.map((r) => r.content ?? '').join('\n')).toBe(long);
      expect(interaction.responses.every((r) => r.flags === 64)).toBe(true);
    } finally {
      handlers.onCommand = original;
    }
  });

  it('waits out 429s on message create: every message delivered once, in order', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    h.double.failNext(2, { status: 429, retryAfter: 0.3 }, (route) => route === 'POST /channels/:id/messages');
    const ids = await Promise.all(Array.from({ length: 8 }, (_, i) => h.adapter.post(thread, { kind: 'note', authorName: 'Alice', text: `burst ${i}` })));
    const texts = h.double.channelMessages(thread.threadId).map((m) => /burst \d/.exec(m.content)?.[0]);
    expect(texts).toEqual(Array.from({ length: 8 }, (_, i) => `burst ${i}`));
    expect(h.double.channelMessages(thread.threadId).map((m) => m.id)).toEqual(ids);
    const attempts = h.double.callsTo('POST /channels/:id/messages').filter((c) => c.path.includes(thread.threadId));
    expect(attempts.filter((c) => c.status === 429)).toHaveLength(2);
    // Retry-After is whole seconds (1 for 0.3): the retry came after it, not at once.
    const first429 = attempts.findIndex((c) => c.status === 429);
    expect(attempts[first429 + 1]!.at - attempts[first429]!.at).toBeGreaterThanOrEqual(900);
  });

  it('keeps a message over 2 000 characters complete: the start inline, all of it as message.txt', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    const text = Array.from({ length: 90 }, (_, i) => `Paragraph ${i}: the customer explains the problem in detail.`).join('\n');
    expect(text.length).toBeGreaterThan(5000);
    const id = await h.adapter.post(thread, { kind: 'customer', authorName: 'Carol', text });
    const message = h.double.message(id)!;
    expect(message.content.length).toBeLessThanOrEqual(2000);
    expect(message.content).toContain('Paragraph 0:');
    expect(message.attachments.map((a) => a.filename)).toEqual(['message.txt']);
    expect(message.attachments[0]!.content.toString('utf8')).toContain(text);
    await h.adapter.edit(thread, id, { kind: 'customer', authorName: 'Carol', text: 'short now' });
    expect(h.double.message(id)?.attachments).toEqual([]);
    await h.adapter.edit(thread, id, { kind: 'customer', authorName: 'Carol', text: `${text}\nmore` });
    expect(h.double.message(id)?.attachments[0]?.content.toString('utf8')).toContain(`${text}\nmore`);
  });

  it('archives the thread when the ticket closes and unarchives it on reopen', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    const channel = () => h.double.channels.get(thread.threadId)!;
    await h.adapter.updateCard(thread, testCard({ status: 'closed', state: 'closed' }));
    expect(channel().archived).toBe(true);
    expect(buttonsOf(h, thread.cardMessageId)).toEqual(['Reopen']);
    // Mirroring into a closed ticket still works, and its thread stays archived.
    await h.adapter.post(thread, { kind: 'event', authorName: 'Alice', text: 'closed the ticket' });
    expect(h.double.channelMessages(thread.threadId).map((m) => m.content).join()).toContain('closed the ticket');
    expect(channel().archived).toBe(true);
    h.people.click(h.alice.id, thread.cardMessageId, 'Reopen');
    await eventually(() => expect(handlers.commands.map((c) => c.text)).toEqual(['reopen']));
    await h.adapter.updateCard(thread, testCard({ status: 'open', state: 'open' }));
    expect(channel().archived).toBe(false);
    expect(buttonsOf(h, thread.cardMessageId)).toEqual(['Claim', 'Release', 'Waiting', 'Close']);
    await h.adapter.post(thread, { kind: 'note', authorName: 'Alice', text: 'working again' });
    expect(channel().archived).toBe(false);
  });

  it('says what to do when the guild has 1 000 active threads', async () => {
    h.double.maxActiveThreadsPerGuild = 0;
    try {
      const before = h.double.channelMessages(h.text.id).length;
      await expect(h.adapter.openThread(h.text.id, testCard())).rejects.toThrow(/1 000 active threads/);
      expect(h.double.channelMessages(h.text.id)).toHaveLength(before); // no orphan card left behind
    } finally {
      h.double.maxActiveThreadsPerGuild = 1000;
    }
  });

  it('registers /ticket idempotently: a second start keeps one command with the same id', async () => {
    const [before] = h.double.commands.get(h.guild.id) ?? [];
    expect(before?.name).toBe('ticket');
    const second = h.another();
    await second.start(new RecordingHandlers());
    await second.stop();
    expect(h.double.commands.get(h.guild.id)?.map((c) => [c.name, c.id, c.version])).toEqual([['ticket', before!.id, before!.version]]);
    expect(h.double.callsTo('PUT /applications/:id/guilds/:id/commands').filter((c) => c.status === 200)).toHaveLength(2);
  });

  it('answers `!ticket` by direct message, or in the thread pinging only the author when DMs are closed', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    h.people.post(h.alice.id, thread.threadId, `<@${h.double.bot.id}> claim`);
    await eventually(() => expect(h.double.dmsTo(h.alice.id).map((m) => m.content)).toContain('answer to: claim'));
    expect(handlers.commands[0]).toMatchObject({ source: 'mention', text: 'claim', threadId: thread.threadId });
    h.double.users.get(h.bob.id)!.acceptsDms = false;
    const command = h.people.post(h.bob.id, thread.threadId, '!ticket show');
    await eventually(() => expect(h.double.channelMessages(thread.threadId).map((m) => m.content)).toContain(`<@${h.bob.id}> answer to: show`));
    const answer = h.double.channelMessages(thread.threadId).find((m) => m.content.includes('answer to: show'))!;
    expect(answer).toMatchObject({ referenceId: command.id, allowedMentions: { parse: [], users: [h.bob.id] } });
    expect(handlers.messages).toEqual([]);
  });

  it('ignores link previews and other bots, and finds threads it was never told about', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    const message = h.people.post(h.alice.id, thread.threadId, 'see https://example.test');
    h.people.unfurl(message.id);
    const bot = h.double.addUser(h.guild, { username: 'otherbot', bot: true });
    h.people.post(bot.id, thread.threadId, 'I am a bot');
    await h.settle();
    expect(handlers.messages.map((m) => m.text)).toEqual(['see https://example.test']);
    expect(handlers.edits).toEqual([]);
    // A thread the gateway never told about (e.g. archived before a restart): looked up by REST.
    const unknown = h.double.newChannel({ type: ChannelType.PublicThread, name: 'elsewhere', parentId: h.text.id, guildId: h.guild.id });
    h.people.post(h.alice.id, unknown.id, 'in a thread nobody announced');
    await eventually(() => expect(handlers.messages.map((m) => [m.text, m.threadId, m.channelId])).toContainEqual(['in a thread nobody announced', unknown.id, h.text.id]));
    expect(h.double.callsTo('GET /channels/:id').some((c) => c.path.endsWith(`/${unknown.id}`))).toBe(true);
  });

  it('keeps receiving after Discord drops the gateway connection (resume refused, identify again)', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    const identifies = h.double.gateway.identifies.length;
    h.double.gateway.disconnectAll(4000);
    await eventually(() => expect(h.double.gateway.identifies.length).toBe(identifies + 1), 20_000);
    await eventually(() => expect([...h.double.gateway.sessions].some((s) => s.identified)).toBe(true), 20_000);
    h.people.post(h.alice.id, thread.threadId, 'after the reconnect');
    await eventually(() => expect(handlers.messages.map((m) => m.text)).toEqual(['after the reconnect']), 10_000);
  });

  it('normalises skin tones, ⌛ and custom emoji in reactions', async () => {
    const thread = await h.adapter.openThread(h.text.id, testCard());
    h.people.react(h.alice.id, thread.cardMessageId, '✋🏽');
    h.people.react(h.alice.id, thread.cardMessageId, '⌛');
    h.people.react(h.alice.id, thread.cardMessageId, { id: '123456789012', name: 'party_parrot' });
    await eventually(() => expect(handlers.reactions.map((r) => r.emoji)).toEqual(['✋', '⏳', ':party_parrot:']));
    expect(handlers.reactions.every((r) => r.threadId === thread.threadId && r.channelId === h.text.id)).toBe(true);
  });

  it('sends nothing that could ping: every bot message carries allowed_mentions parse []', async () => {
    const botMessages = [...h.double.messages.values()].filter((m) => m.authorId === h.double.bot.id && !m.content.includes('answer to: show'));
    expect(botMessages.length).toBeGreaterThan(10);
    expect(botMessages.filter((m) => JSON.stringify(m.allowedMentions) !== JSON.stringify({ parse: [] }))).toEqual([]);
  });
});
