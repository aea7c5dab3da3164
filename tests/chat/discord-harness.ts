// The Discord side of the chat contract: the wire-level double (REST + gateway), people acting
// in it, the adapter pointed at it through DISCORD_API_URL, and the drivers/inspectors of
// ContractHarness with Discord's own shapes. Departments are a text channel (card + thread) or
// a forum channel (a post per ticket, with status tags).
import { ChannelType } from 'discord.js';
import { DiscordAdapter, type DiscordAdapterOptions } from '../../adapters/discord/index.js';
import { DiscordDouble } from '../doubles/discord-double.js';
import type { DoubleChannel, DoubleGuild, DoubleMessage, DoubleUser, Json } from '../doubles/discord-model.js';
import { DiscordPeople } from '../doubles/discord-people.js';
import type { ContractHarness, RenderedMessage } from './contract.js';

export interface DiscordHarness extends ContractHarness {
  adapter: DiscordAdapter;
  double: DiscordDouble;
  people: DiscordPeople;
  guild: DoubleGuild;
  text: DoubleChannel;
  forum: DoubleChannel;
  alice: DoubleUser;
  bob: DoubleUser;
  /** A second adapter on the same double (e.g. a restart), stopped by close(). */
  another(options?: Partial<DiscordAdapterOptions>): DiscordAdapter;
}

export const FORUM_TAGS = ['Open', 'In progress', 'Waiting', 'Closed', 'VIP'];

/** What a reader sees in Discord: backslash escapes resolved, mentions as names. */
function unescape(text: string, double: DiscordDouble): string {
  return text
    .replace(/<@!?(\d+)>/g, (m, id: string) => (double.users.get(id) ? `@${double.users.get(id)!.username}` : m))
    .replace(/\\([^A-Za-z0-9\s])/g, '$1');
}

/** Mentions in `content` that notify someone, given the message's allowed_mentions (absent: all parse). */
export function pingsOf(content: string, allowed: Json | undefined): string[] {
  const parse = allowed === undefined ? ['everyone', 'users', 'roles'] : Array.isArray(allowed.parse) ? allowed.parse.map(String) : [];
  const users = Array.isArray(allowed?.users) ? allowed.users.map(String) : [];
  const active = content.replace(/\\./g, '').replace(/```[\s\S]*?```|`[^`]*`/g, '');
  const pings: string[] = [];
  if (parse.includes('everyone')) for (const m of active.matchAll(/@(everyone|here)\b/g)) pings.push(`@${m[1]}`);
  for (const m of active.matchAll(/<@!?(\d+)>/g)) if (parse.includes('users') || users.includes(m[1] ?? '')) pings.push(m[0]);
  for (const m of active.matchAll(/<@&(\d+)>/g)) if (parse.includes('roles')) pings.push(m[0]);
  return pings;
}

export function renderDiscord(m: DoubleMessage, double: DiscordDouble): RenderedMessage {
  const parts = [m.content];
  for (const e of m.embeds) {
    const fields = Array.isArray(e.fields) ? (e.fields as Json[]) : [];
    parts.push(String(e.title ?? ''), String(e.description ?? ''), ...fields.map((f) => `${String(f.name)}: ${String(f.value)}`));
  }
  return { id: m.id, text: unescape(parts.filter(Boolean).join('\n'), double), pings: pingsOf(m.content, m.allowedMentions), files: m.attachments.map((a) => a.filename) };
}

export async function createDiscordHarness(options: { kind?: 'text' | 'forum'; adapter?: Partial<DiscordAdapterOptions> } = {}): Promise<DiscordHarness> {
  const double = await DiscordDouble.start();
  const guild = double.addGuild();
  const alice = double.addUser(guild, { username: 'alice', globalName: 'Alice Agent' });
  const bob = double.addUser(guild, { username: 'bob', globalName: 'Bob Other' });
  const text = double.addChannel(guild, 'support');
  const forum = double.addChannel(guild, 'helpdesk', ChannelType.GuildForum, FORUM_TAGS);
  const people = new DiscordPeople(double);
  const channelId = options.kind === 'forum' ? forum.id : text.id;
  const make = (extra: Partial<DiscordAdapterOptions> = {}) =>
    new DiscordAdapter({ token: double.token, applicationId: double.applicationId, apiUrl: double.apiUrl, guildId: guild.id, ...options.adapter, ...extra });
  const adapter = make();
  const others: DiscordAdapter[] = [];

  const settle = async () => {
    // Handlers may post (which Discord echoes back), so repeat until nothing new happened.
    for (let round = 0; round < 10; round += 1) {
      const before = double.calls.length + double.gateway.sent;
      await double.sync();
      await Promise.all([adapter, ...others].map((a) => a.settled()));
      await double.sync();
      if (double.calls.length + double.gateway.sent === before) return;
    }
  };
  const find = (id: string): DoubleMessage => {
    const message = double.message(id);
    if (!message) throw new Error(`message ${id} not found`);
    return message;
  };

  return {
    adapter, double, people, guild, text, forum, alice, bob, channelId, users: { agent: alice.id, other: bob.id },
    another(extra) {
      const next = make(extra);
      others.push(next);
      return next;
    },
    async simulateThreadMessage(thread, userId, body, opts = {}) {
      return people.post(userId, thread.threadId, body, opts.files ?? []).id;
    },
    async simulateEdit(_thread, messageId, userId, body) {
      people.edit(userId, messageId, body);
    },
    async simulateDelete(_thread, messageId, userId) {
      people.remove(userId, messageId);
    },
    async simulateCommand(line, { userId, threadId }) {
      // In a thread people type `!ticket …`; elsewhere they use /ticket.
      if (threadId) people.post(userId, threadId, `!ticket ${line}`);
      else people.slashText(userId, channelId, line);
    },
    async simulateReaction(_thread, messageId, emoji, { userId }) {
      people.react(userId, messageId, emoji);
    },
    async simulateButton(thread, verb, { userId }) {
      people.click(userId, thread.cardMessageId, verb);
    },
    async threadMessages(thread) {
      return double.channelMessages(thread.threadId).filter((m) => m.id !== thread.cardMessageId).map((m) => renderDiscord(m, double));
    },
    async cardOf(thread) {
      return renderDiscord(find(thread.cardMessageId), double);
    },
    async channelMessageIds(id) {
      const threads = double.threadsOf(id).map((t) => t.id);
      return [...double.messages.values()].filter((m) => !m.deleted && (m.channelId === id || threads.includes(m.channelId))).map((m) => m.id);
    },
    async ephemeralsFor(userId) {
      // Discord's private answers: ephemeral interaction responses, and direct messages.
      const ephemeral = double.ephemerals.filter((e) => e.userId === userId).map((e, i) => ({ id: `ephemeral-${i}`, text: unescape(e.content, double), pings: [], files: [] }));
      return [...ephemeral, ...double.dmsTo(userId).map((m) => renderDiscord(m, double))];
    },
    settle,
    async close() {
      await settle();
      for (const other of others) await other.stop();
      await double.close();
    },
  };
}
