// Discord departments bound to a forum channel (a post per ticket, status tags), `doctor`,
// standalone command registration and the start-up errors a person has to fix.
import { ChannelType, PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscordAdapter, registerCommands } from '../../adapters/discord/index.js';
import { eventually, RecordingHandlers, testCard } from './contract.js';
import { createDiscordHarness, type DiscordHarness } from './discord-harness.js';

describe('discord forum departments', () => {
  const handlers = new RecordingHandlers();
  let h: DiscordHarness;
  const tagName = (id: string) => h.forum.availableTags.find((t) => t.id === id)?.name;
  const tagsOf = (threadId: string) => (h.double.channels.get(threadId)?.appliedTags ?? []).map(tagName);

  beforeAll(async () => {
    h = await createDiscordHarness({ kind: 'forum' });
    await h.adapter.start(handlers);
  });
  afterAll(async () => {
    await h?.adapter.stop();
    await h?.close();
  });
  beforeEach(async () => {
    await h.settle();
    handlers.reset();
  });

  it('opens a post per ticket whose first message is the card, tagged with the status', async () => {
    const thread = await h.adapter.openThread(h.forum.id, testCard({ subject: 'Beamer flickers' }));
    expect(thread).toMatchObject({ platform: 'discord', channelId: h.forum.id, cardMessageId: thread.threadId });
    const post = h.double.channels.get(thread.threadId)!;
    expect(post).toMatchObject({ parentId: h.forum.id, type: ChannelType.PublicThread, name: '#20261123000001 Beamer flickers' });
    expect(tagsOf(thread.threadId)).toEqual(['Open']);
    expect(h.double.message(thread.cardMessageId)?.channelId).toBe(thread.threadId);
    expect((await h.cardOf(thread)).text).toContain('Beamer flickers');
  });

  it('mirrors the status in the tags, keeps other tags, and archives closed posts', async () => {
    const thread = await h.adapter.openThread(h.forum.id, testCard());
    // Someone adds a tag of their own by hand; Discord tells the bot with THREAD_UPDATE.
    const post = h.double.channels.get(thread.threadId)!;
    post.appliedTags.push(h.forum.availableTags.find((t) => t.name === 'VIP')!.id);
    h.double.emitChannel('THREAD_UPDATE', post);
    await h.settle();
    await h.adapter.updateCard(thread, testCard({ status: 'in_progress', assignee: 'Alice Agent' }));
    expect(tagsOf(thread.threadId)).toEqual(['VIP', 'In progress']);
    await h.adapter.updateCard(thread, testCard({ status: 'closed', state: 'closed' }));
    expect(tagsOf(thread.threadId)).toEqual(['VIP', 'Closed']);
    expect(post.archived).toBe(true);
    // The card lives inside the post: it is updated even while the post is archived.
    await h.adapter.updateCard(thread, testCard({ status: 'spam', state: 'closed' }));
    expect(post.archived).toBe(true);
    expect((await h.cardOf(thread)).text).toContain('spam');
    await h.adapter.updateCard(thread, testCard({ status: 'open', state: 'open' }));
    expect(post.archived).toBe(false);
    expect(tagsOf(thread.threadId)).toEqual(['VIP', 'Open']);
  });

  it('delivers messages, buttons and reactions of a post with the forum as channel', async () => {
    const thread = await h.adapter.openThread(h.forum.id, testCard());
    const message = h.people.post(h.alice.id, thread.threadId, 'on it');
    h.people.click(h.alice.id, thread.cardMessageId, 'Claim');
    h.people.react(h.bob.id, thread.cardMessageId, '👀');
    await eventually(() => {
      expect(handlers.messages).toHaveLength(1);
      expect(handlers.commands).toHaveLength(1);
      expect(handlers.reactions).toHaveLength(1);
    });
    const where = { channelId: h.forum.id, threadId: thread.threadId };
    expect(handlers.messages[0]).toMatchObject({ ...where, messageId: message.id, text: 'on it' });
    expect(handlers.commands[0]).toMatchObject({ ...where, source: 'button', text: 'claim' });
    expect(handlers.reactions[0]).toMatchObject({ ...where, messageId: thread.cardMessageId, emoji: '👀' });
  });

  it('refuses a configured channel kind that contradicts Discord, saying what to set', async () => {
    const wrong = h.another({ channelKinds: { [h.forum.id]: 'text' } });
    await wrong.start(new RecordingHandlers());
    try {
      await expect(wrong.openThread(h.forum.id, testCard())).rejects.toThrow(/says Discord channel #helpdesk is a text channel but it is a forum channel: set its kind to "forum"/);
    } finally {
      await wrong.stop();
    }
  });

  it('posts tickets into a forum without status tags untagged', async () => {
    const bare = h.double.addChannel(h.guild, 'bare-forum', ChannelType.GuildForum);
    await h.settle();
    const thread = await h.adapter.openThread(bare.id, testCard());
    expect(h.double.channels.get(thread.threadId)?.appliedTags).toEqual([]);
  });
});

describe('discord doctor, registration and start-up errors', () => {
  let h: DiscordHarness;

  beforeAll(async () => {
    h = await createDiscordHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reports token, application, guilds, /ticket and per-channel permissions with what to fix', async () => {
    const botRole = h.guild.roles.find((r) => r.managed)!;
    const muted = h.double.addChannel(h.guild, 'muted');
    muted.overwrites.push({ id: botRole.id, type: 0, allow: 0n, deny: PermissionFlagsBits.SendMessages | PermissionFlagsBits.CreatePublicThreads });
    const hidden = h.double.addChannel(h.guild, 'hidden');
    hidden.overwrites.push({ id: h.guild.id, type: 0, allow: 0n, deny: PermissionFlagsBits.ViewChannel });
    hidden.overwrites.push({ id: botRole.id, type: 0, allow: 0n, deny: PermissionFlagsBits.ViewChannel });
    const voice = h.double.addChannel(h.guild, 'voice', ChannelType.GuildVoice);
    const elsewhere = h.double.addGuild('Other Server', { joined: false });
    const fresh = h.double.addGuild('New Server');
    const adapter = new DiscordAdapter({ token: h.double.token, applicationId: h.double.applicationId, apiUrl: h.double.apiUrl, guildIds: [h.guild.id, elsewhere.id, fresh.id] });
    await adapter.registerCommands([h.guild.id]);
    const findings = await adapter.doctor([h.text.id, h.forum.id, muted.id, hidden.id, voice.id, '999999999999999999']);
    expect(findings.map((f) => [f.check.replace(/\d{6,}/g, 'ID'), f.ok])).toEqual([
      ['discord: token', true], ['discord: application', true],
      ['discord: guild ID', true], ['discord: /ticket in ID', true],
      ['discord: guild ID', false],
      ['discord: guild ID', true], ['discord: /ticket in ID', false],
      ['discord: channel ID', true], ['discord: channel ID', true], ['discord: channel ID', false], ['discord: channel ID', false],
      ['discord: channel ID', false], ['discord: channel ID', false],
    ]);
    const details = findings.map((f) => f.detail);
    expect(details[4]).toMatch(/not in guild .* invite it with https:\/\/discord.com\/oauth2\/authorize\?client_id=\d+&scope=bot\+applications.commands&permissions=\d+/);
    expect(details[6]).toMatch(/not registered: run `threaddesk discord register`/);
    expect(details[9]).toMatch(/#muted: the bot lacks SendMessages, CreatePublicThreads — grant them/);
    expect(details[10]).toMatch(/cannot see channel .*: give it View Channel/);
    expect(details[11]).toMatch(/#voice is not a text or forum channel/);
    expect(details[12]).toMatch(/does not exist: check the Discord channel id/);
    await registerCommands({ token: h.double.token, applicationId: h.double.applicationId, apiUrl: `${h.double.apiUrl}/v10/`, guildIds: [fresh.id] });
    expect((await adapter.doctor([])).every((f) => f.ok || f.check.includes(elsewhere.id))).toBe(true);
  });

  it('says how to fix a wrong token, in doctor and at start', async () => {
    const wrong = new DiscordAdapter({ token: 'not-the-token', applicationId: h.double.applicationId, apiUrl: h.double.apiUrl });
    const [token, ...rest] = await wrong.doctor([h.text.id]);
    expect(token).toMatchObject({ check: 'discord: token', ok: false });
    expect(token?.detail).toMatch(/Discord rejected DISCORD_TOKEN .* Reset Token/);
    expect(rest).toEqual([]);
    await expect(wrong.start(new RecordingHandlers())).rejects.toThrow(/Discord rejected DISCORD_TOKEN/);
    expect(() => new DiscordAdapter({ token: '', applicationId: '1', apiUrl: h.double.apiUrl })).toThrow(/set DISCORD_TOKEN/);
    expect(() => new DiscordAdapter({ token: 't', applicationId: '', apiUrl: h.double.apiUrl })).toThrow(/set DISCORD_APPLICATION_ID/);
  });

  it('refuses to start with the application id of another application', async () => {
    const adapter = new DiscordAdapter({ token: h.double.token, applicationId: '123456789012345678', apiUrl: h.double.apiUrl });
    await expect(adapter.start(new RecordingHandlers())).rejects.toThrow(/DISCORD_APPLICATION_ID is 123456789012345678 but DISCORD_TOKEN belongs to application \d+: set DISCORD_APPLICATION_ID to \d+/);
  });

  it('says to enable the Message Content intent when Discord refuses it', async () => {
    h.double.privilegedIntents = 0;
    try {
      const adapter = new DiscordAdapter({ token: h.double.token, applicationId: h.double.applicationId, apiUrl: h.double.apiUrl, readyTimeoutMs: 10_000 });
      await expect(adapter.start(new RecordingHandlers())).rejects.toThrow(/enable "Message Content Intent"/);
    } finally {
      h.double.privilegedIntents = 1 << 15;
    }
  });
});
