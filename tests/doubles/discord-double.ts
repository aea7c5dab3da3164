// A wire-level double of Discord that the real discord.js client talks to: an HTTP server with
// the REST routes threaddesk uses under `/api/v10` (and `GET /gateway/bot`, which points
// discord.js at the WebSocket gateway in discord-gateway.ts on the same port). It keeps users,
// guilds, channels, threads, messages, commands and interactions, validates what the bot sends
// against Discord's limits and permissions, echoes the bot's own actions over the gateway as
// Discord does, records every call and can answer 429 (`retry_after` + `Retry-After`) or 5xx on
// request. The people side (members posting, reacting, using /ticket and buttons) is in
// discord-people.ts; the REST route handlers are in discord-routes.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChannelType, GatewayIntentBits, PermissionFlagsBits } from 'discord.js';
import { DoubleGateway, type GatewaySession } from './discord-gateway.js';
import {
  ApiError, attachmentJson, channelJson, memberJson, permissionsIn, Snowflakes, THREAD_TYPES, userJson,
  type DoubleChannel, type DoubleCommand, type DoubleEphemeral, type DoubleGuild, type DoubleInteraction, type DoubleMessage, type DoubleUser, type Json,
} from './discord-model.js';
import { handleRoute, type RouteRequest } from './discord-routes.js';

export interface Fault { status: 429 | 500 | 502; retryAfter?: number; global?: boolean }
/** Selects calls by route key (e.g. `POST /channels/:id/messages`), concrete path and body. */
export type CallFilter = (route: string, path: string, body: Json | undefined) => boolean;
export interface RecordedCall { method: string; route: string; path: string; body: Json | undefined; files: string[]; status: number; code?: number; at: number }

/** The permissions a bot gets in a fresh test guild: what threaddesk asks for in its invite. */
export const BOT_PERMISSIONS = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads
  | PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.ManageThreads | PermissionFlagsBits.EmbedLinks | PermissionFlagsBits.AttachFiles
  | PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.AddReactions;
const EVERYONE_PERMISSIONS = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads
  | PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.AddReactions | PermissionFlagsBits.UseApplicationCommands;

export class DiscordDouble {
  readonly token = 'double-bot-token';
  readonly ids = new Snowflakes();
  readonly applicationId: string;
  readonly bot: DoubleUser;
  readonly users = new Map<string, DoubleUser>();
  readonly guilds = new Map<string, DoubleGuild>();
  readonly channels = new Map<string, DoubleChannel>();
  readonly messages = new Map<string, DoubleMessage>();
  readonly commands = new Map<string, DoubleCommand[]>();
  readonly interactions = new Map<string, DoubleInteraction>();
  readonly ephemerals: DoubleEphemeral[] = [];
  readonly calls: RecordedCall[] = [];
  /** Privileged intents switched on in the "Developer Portal". */
  privilegedIntents: number = GatewayIntentBits.MessageContent;
  /** Discord drops an interaction that is not acknowledged within 3 s. */
  ackDeadlineMs = 3000;
  maxActiveThreadsPerGuild = 1000;
  readonly gateway: DoubleGateway;
  private rules: Array<{ remaining: number; fault: Fault; filter?: CallFilter }> = [];

  private constructor(private readonly server: http.Server, readonly url: string) {
    this.applicationId = this.ids.next();
    this.bot = { id: this.applicationId, username: 'threaddesk', bot: true };
    this.users.set(this.bot.id, this.bot);
    this.gateway = new DoubleGateway(server, {
      token: this.token,
      allowedPrivileged: () => this.privilegedIntents,
      onIdentify: (session) => this.readyEvents(session),
    });
  }

  static async start(): Promise<DiscordDouble> {
    const holder: { double?: DiscordDouble } = {};
    const server = http.createServer((req, res) => {
      void holder.double?.serve(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`discord double crashed: ${err instanceof Error ? err.stack : String(err)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const double = new DiscordDouble(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    holder.double = double;
    return double;
  }

  /** What DISCORD_API_URL is set to. */
  get apiUrl(): string { return `${this.url}/api`; }
  get gatewayUrl(): string { return `${this.url.replace(/^http/, 'ws')}/gateway`; }

  async close(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- set-up ---------------------------------------------------------------------------------
  addGuild(name = 'Support Server', options: { botPermissions?: bigint; joined?: boolean } = {}): DoubleGuild {
    const id = this.ids.next();
    const botRole = { id: this.ids.next(), name: 'threaddesk', permissions: options.botPermissions ?? BOT_PERMISSIONS, managed: true };
    const guild: DoubleGuild = { id, name, ownerId: this.ids.next(), roles: [{ id, name: '@everyone', permissions: EVERYONE_PERMISSIONS }, botRole], members: new Map() };
    if (options.joined ?? true) guild.members.set(this.bot.id, { roles: [botRole.id] });
    this.guilds.set(id, guild);
    return guild;
  }

  addUser(guild: DoubleGuild, user: Omit<DoubleUser, 'id'> & { id?: string; nick?: string }): DoubleUser {
    const created: DoubleUser = { ...user, id: user.id ?? this.ids.next() };
    this.users.set(created.id, created);
    guild.members.set(created.id, { roles: [], ...(user.nick ? { nick: user.nick } : {}) });
    return created;
  }

  addChannel(guild: DoubleGuild, name: string, type: ChannelType.GuildText | ChannelType.GuildForum | ChannelType.GuildVoice = ChannelType.GuildText, tags: string[] = []): DoubleChannel {
    const channel = this.newChannel({ type, name, guildId: guild.id, availableTags: tags.map((t) => ({ id: this.ids.next(), name: t })) });
    this.gateway.dispatch('CHANNEL_CREATE', (s) => (this.wants(s, GatewayIntentBits.Guilds) ? channelJson(channel) : null));
    return channel;
  }

  newChannel(c: Partial<DoubleChannel> & { type: ChannelType; name: string }): DoubleChannel {
    const channel: DoubleChannel = {
      id: this.ids.next(), overwrites: [], archived: false, locked: false, autoArchive: 10080, archiveTimestamp: new Date().toISOString(),
      appliedTags: [], availableTags: [], messageCount: 0, ...c,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  // ---- inspection ----------------------------------------------------------------------------
  message(id: string): DoubleMessage | undefined {
    const m = this.messages.get(id);
    return m && !m.deleted ? m : undefined;
  }
  channelMessages(channelId: string): DoubleMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId && !m.deleted);
  }
  threadsOf(parentId: string): DoubleChannel[] {
    return [...this.channels.values()].filter((c) => c.parentId === parentId && THREAD_TYPES.has(c.type));
  }
  dmsTo(userId: string): DoubleMessage[] {
    const dm = [...this.channels.values()].find((c) => c.type === ChannelType.DM && c.recipients?.includes(userId));
    return dm ? this.channelMessages(dm.id) : [];
  }
  callsTo(route: string): RecordedCall[] { return this.calls.filter((c) => c.route === route); }
  guildOf(channel: DoubleChannel): DoubleGuild | undefined {
    return channel.guildId ? this.guilds.get(channel.guildId) : undefined;
  }

  // ---- misbehaviour --------------------------------------------------------------------------
  /** The next `count` matching calls fail with `fault`. */
  failNext(count: number, fault: Fault, filter?: CallFilter): void { this.rules.push({ remaining: count, fault, filter }); }
  clearFaults(): void { this.rules = []; }

  // ---- gateway helpers -----------------------------------------------------------------------
  /** Resolves when discord.js has read every event the double sent. */
  sync(): Promise<void> { return this.gateway.sync(); }

  wants(session: GatewaySession, intent: number): boolean { return (session.intents & intent) !== 0; }

  messageJson(m: DoubleMessage): Json {
    const author = this.users.get(m.authorId) ?? { id: m.authorId, username: 'unknown' };
    const mentioned = [...m.content.matchAll(/<@!?(\d+)>/g)].map((x) => this.users.get(x[1] ?? '')).filter((u): u is DoubleUser => u !== undefined);
    const thread = m.threadId ? this.channels.get(m.threadId) : undefined;
    const reactions = [...m.reactions].map(([name, users]) => ({ emoji: { id: null, name }, count: users.size, me: users.has(this.bot.id), burst_colors: [], count_details: { burst: 0, normal: users.size }, me_burst: false }));
    return {
      id: m.id, channel_id: m.channelId, type: m.type, author: userJson(author), content: m.content, timestamp: m.timestamp, edited_timestamp: m.editedAt,
      tts: false, mention_everyone: /@everyone|@here/.test(m.content) && this.parsesEveryone(m), mentions: mentioned.map(userJson), mention_roles: [],
      attachments: m.attachments.map((a) => attachmentJson(a, this.url, m.channelId)), embeds: m.embeds, components: m.components, pinned: false, flags: m.flags,
      ...(reactions.length > 0 ? { reactions } : {}), ...(thread ? { thread: channelJson(thread) } : {}),
      ...(m.referenceId ? { message_reference: { type: 0, message_id: m.referenceId, channel_id: m.channelId } } : {}),
      ...(m.webhookId ? { webhook_id: m.webhookId, application_id: this.applicationId } : {}),
    };
  }

  private parsesEveryone(m: DoubleMessage): boolean {
    const parse = m.allowedMentions?.parse;
    return m.allowedMentions === undefined || (Array.isArray(parse) && parse.includes('everyone'));
  }

  /** MESSAGE_CREATE / MESSAGE_UPDATE as the gateway sends them, honouring the intents of each session. */
  emitMessage(t: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE', m: DoubleMessage): void {
    const channel = this.channels.get(m.channelId);
    const guild = channel ? this.guildOf(channel) : undefined;
    const author = this.users.get(m.authorId);
    this.gateway.dispatch(t, (s) => {
      if (!this.wants(s, guild ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages)) return null;
      const json = this.messageJson(m);
      // Without the Message Content intent, bots see content only of their own messages and of messages mentioning them.
      const visible = this.wants(s, GatewayIntentBits.MessageContent) || m.authorId === this.bot.id || m.content.includes(`<@${this.bot.id}>`);
      const hidden = visible ? {} : { content: '', embeds: [], attachments: [], components: [] };
      return { ...json, ...hidden, ...(guild && author ? { guild_id: guild.id, member: memberJson(guild, author, false) } : {}) };
    });
  }

  emitChannel(t: 'THREAD_CREATE' | 'THREAD_UPDATE' | 'CHANNEL_UPDATE', channel: DoubleChannel, extra: Json = {}): void {
    this.gateway.dispatch(t, (s) => (this.wants(s, GatewayIntentBits.Guilds) ? { ...channelJson(channel), ...extra } : null));
  }

  emit(t: string, intent: number | null, d: Json): void {
    this.gateway.dispatch(t, (s) => (intent === null || this.wants(s, intent) ? d : null));
  }

  /** Bot permission check in a guild channel (a thread uses its parent's overwrites). */
  requirePermission(channel: DoubleChannel, bits: bigint): void {
    const guild = this.guildOf(channel);
    if (!guild) return;
    const scope = THREAD_TYPES.has(channel.type) && channel.parentId ? this.channels.get(channel.parentId) : channel;
    const perms = permissionsIn(guild, scope, this.bot.id);
    if ((perms & PermissionFlagsBits.ViewChannel) === 0n) throw new ApiError(403, 50001, 'Missing Access');
    if ((perms & bits) !== bits) throw new ApiError(403, 50013, 'Missing Permissions');
  }

  private readyEvents(session: GatewaySession): Array<{ t: string; d: Json }> {
    const joined = [...this.guilds.values()].filter((g) => g.members.has(this.bot.id));
    const ready: Json = {
      v: 10, user: { ...userJson(this.bot), verified: true, mfa_enabled: false, flags: 0 }, guilds: joined.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.sessionId, resume_gateway_url: this.gatewayUrl, shard: [0, 1], application: { id: this.applicationId, flags: 0 },
      private_channels: [], presences: [], relationships: [], user_settings: {}, geo_ordered_rtc_regions: [], guild_join_requests: [],
    };
    return [{ t: 'READY', d: ready }, ...joined.map((g) => ({ t: 'GUILD_CREATE', d: this.guildCreate(g) }))];
  }

  guildJson(g: DoubleGuild): Json {
    return {
      id: g.id, name: g.name, icon: null, owner_id: g.ownerId, afk_timeout: 300, verification_level: 0, default_message_notifications: 0,
      explicit_content_filter: 0, mfa_level: 0, nsfw_level: 0, premium_tier: 0, preferred_locale: 'en-US', system_channel_flags: 0, features: [], emojis: [], stickers: [],
      roles: g.roles.map((r, i) => ({
        id: r.id, name: r.name, color: 0, colors: { primary_color: 0, secondary_color: null, tertiary_color: null }, hoist: false, icon: null, unicode_emoji: null,
        position: i, permissions: r.permissions.toString(), managed: r.managed ?? false, mentionable: false, flags: 0,
      })),
    };
  }

  private guildCreate(g: DoubleGuild): Json {
    const channels = [...this.channels.values()].filter((c) => c.guildId === g.id);
    return {
      ...this.guildJson(g), unavailable: false, large: false, member_count: g.members.size, joined_at: '2026-01-01T00:00:00.000Z',
      channels: channels.filter((c) => !THREAD_TYPES.has(c.type)).map(channelJson),
      threads: channels.filter((c) => THREAD_TYPES.has(c.type) && !c.archived).map(channelJson),
      members: [...g.members.keys()].flatMap((id) => { const u = this.users.get(id); return u ? [memberJson(g, u)] : []; }),
      voice_states: [], presences: [], stage_instances: [], guild_scheduled_events: [], soundboard_sounds: [],
    };
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: Json | Json[] | Buffer | null, headers: Record<string, string> = {}) => {
      if (body === null) { res.writeHead(status, headers); res.end(); return; }
      const isBuffer = Buffer.isBuffer(body);
      res.writeHead(status, { 'content-type': isBuffer ? 'application/octet-stream' : 'application/json', ...headers });
      res.end(isBuffer ? body : JSON.stringify(body));
    };
    if (url.pathname.startsWith('/attachments/')) {
      const [, , channelId = '', id = ''] = url.pathname.split('/');
      const file = [...this.messages.values()].find((m) => m.channelId === channelId)?.attachments.find((a) => a.id === id)
        ?? [...this.messages.values()].flatMap((m) => m.attachments).find((a) => a.id === id);
      return file ? send(200, file.content, { 'content-type': file.contentType, 'content-length': String(file.content.length) }) : send(404, { message: '404: Not Found', code: 0 });
    }
    if (!url.pathname.startsWith('/api/v10/')) return send(404, { message: '404: Not Found', code: 0 });
    const request = await parseRequest(req, raw, url);
    const call: RecordedCall = { method: request.method, route: request.route, path: request.path, body: request.body, files: request.files.map((f) => f.filename), status: 200, at: Date.now() };
    this.calls.push(call);
    const rule = this.rules.find((r) => r.remaining > 0 && (!r.filter || r.filter(request.route, request.path, request.body)));
    if (rule) {
      rule.remaining -= 1;
      call.status = rule.fault.status;
      if (rule.fault.status !== 429) return send(rule.fault.status, { message: 'Internal Server Error', code: 0 });
      const retryAfter = rule.fault.retryAfter ?? 1;
      return send(429, { message: 'You are being rate limited.', retry_after: retryAfter, global: rule.fault.global ?? false }, {
        'retry-after': String(Math.ceil(retryAfter)), 'x-ratelimit-scope': 'user', ...(rule.fault.global ? { 'x-ratelimit-global': 'true' } : {}),
      });
    }
    try {
      const out = handleRoute(this, request, req.headers.authorization);
      return send(out.status ?? 200, out.body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      call.status = err.status;
      call.code = err.code;
      return send(err.status, err.body());
    }
  }
}

/** Splits `/api/v10/channels/123/messages` into a route key and params; reads JSON or multipart bodies. */
async function parseRequest(req: http.IncomingMessage, raw: Buffer, url: URL): Promise<RouteRequest> {
  const method = (req.method ?? 'GET').toUpperCase();
  const segments = url.pathname.slice('/api/v10/'.length).split('/').filter(Boolean).map(decodeURIComponent);
  const type = req.headers['content-type'] ?? '';
  let body: Json | undefined;
  const files: RouteRequest['files'] = [];
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json' && typeof value === 'string') body = JSON.parse(value) as Json;
      else if (typeof value !== 'string') files.push({ key, filename: value.name, contentType: value.type, content: Buffer.from(await value.arrayBuffer()) });
    }
  } else if (raw.length > 0) {
    body = JSON.parse(raw.toString('utf8')) as Json;
  }
  const route = `${method} /${segments.map((s, i) => (/^\d{5,}$/.test(s) || (segments[0] === 'interactions' && i === 2) || (segments[0] === 'webhooks' && i === 2) ? ':id' : s)).join('/')}`;
  return { method, segments, route, path: url.pathname, query: url.searchParams, body, files };
}
