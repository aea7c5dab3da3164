// The Discord side of the chat port: lifecycle and outbound calls. discord.js keeps the gateway
// connection (identify, heartbeat, resume); every REST call goes through one discord.js REST
// instance, whose queue waits out 429s and keeps per-channel order (no drops, no retries of our
// own). Inbound lives in inbound.ts and interactions.ts, rendering in format.ts.
import { Client, Events, GatewayDispatchEvents, GatewayIntentBits, Options, REST } from 'discord.js';
import type { ChatAdapter, ChatHandlers, OutboundMessage, ThreadRef, TicketCard } from '../chat-port.js';
import { BoundedCache } from '../bounded-cache.js';
import { ChannelDirectory, isThread } from './channels.js';
import { normaliseApiUrl, putCommands, type RegisteredCommand } from './commands.js';
import { runDoctor, type DoctorFinding } from './doctor.js';
import { explain } from './errors.js';
import { onMessageCreate, onMessageDelete, onMessageDeleteBulk, onMessageUpdate, onReactionAdd, asObj, newSeenCache, str, type InboundContext, type Json } from './inbound.js';
import { followUp, INTERACTION_TOKEN_MS, onInteraction, type InteractionContext, type LiveInteraction } from './interactions.js';
import { silentLog, type LogSink } from '../log-sink.js';
import { Outbound, type ChannelKind } from './outbound.js';
import { splitText } from './format.js';
import { SerialWork } from './work.js';

export interface DiscordAdapterOptions {
  /** Bot token (DISCORD_TOKEN). */
  token: string;
  /** Application id (DISCORD_APPLICATION_ID), for `/ticket` registration and interaction follow-ups. */
  applicationId: string;
  /** REST base (DISCORD_API_URL), e.g. a test double; default https://discord.com/api. The gateway URL comes from its `/gateway/bot`. */
  apiUrl?: string;
  /** Guild(s) to register `/ticket` in; default: every guild the bot is in. */
  guildId?: string;
  guildIds?: string[];
  /** Per department channel id: `text` (card + thread) or `forum` (a post per ticket); default: what Discord says the channel is. */
  channelKinds?: Record<string, ChannelKind>;
  logger?: LogSink;
  /** Interactions not answered within this many ms are deferred (Discord allows 3 s). Default 1500. */
  deferAfterMs?: number;
  /** How long start() waits for the gateway to become ready. Default 30 s. */
  readyTimeoutMs?: number;
}

const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMessageReactions];
const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;

export class DiscordAdapter implements ChatAdapter {
  readonly platform = 'discord' as const;
  private readonly options: DiscordAdapterOptions;
  private readonly log: LogSink;
  private readonly apiUrl: string;
  private readonly rest: REST;
  private readonly directory: ChannelDirectory;
  private readonly outbound: Outbound;
  /** Last acknowledged interaction per user, for ephemeral notify(). */
  private readonly live = new BoundedCache<LiveInteraction>(2_000, INTERACTION_TOKEN_MS - 60_000);
  private readonly downloadHosts: Set<string>;
  private client: Client | undefined;
  private work: SerialWork | undefined;
  private botId: string | undefined;
  private registered: RegisteredCommand[] = [];

  constructor(options: DiscordAdapterOptions) {
    if (!options.token) throw new Error('The Discord bot token is empty: set DISCORD_TOKEN (Developer Portal → Bot → Reset Token).');
    if (!options.applicationId) throw new Error('The Discord application id is empty: set DISCORD_APPLICATION_ID (Developer Portal → General Information).');
    this.options = options;
    this.log = options.logger ?? silentLog;
    this.apiUrl = normaliseApiUrl(options.apiUrl);
    // The bot token is never sent with file downloads; these hosts are only trusted to serve files.
    this.downloadHosts = new Set(['cdn.discordapp.com', 'media.discordapp.net', new URL(this.apiUrl).host]);
    this.rest = new REST({ api: this.apiUrl, version: '10', timeout: 30_000 }).setToken(options.token);
    this.rest.on('rateLimited', (info) => this.log.warn({ component: 'discord', route: info.route, retryAfter: info.retryAfter, global: info.global }, 'Discord rate limit hit; waiting as asked'));
    this.directory = new ChannelDirectory(this.rest);
    this.outbound = new Outbound({ rest: this.rest, directory: this.directory, logger: this.log, channelKinds: options.channelKinds ?? {} });
  }

  /** The bot's own user id (from READY), to recognise its own messages. */
  get botUserId(): string | undefined {
    return this.botId;
  }

  /** Where `/ticket` was registered at the last start. */
  get registeredCommands(): readonly RegisteredCommand[] {
    return this.registered;
  }

  async start(handlers: ChatHandlers): Promise<void> {
    if (this.client) throw new Error('The Discord adapter is already started; call stop() first.');
    const work = new SerialWork((err) => this.log.error({ component: 'discord', err }, 'handling a Discord event failed'));
    const client = new Client({
      intents: INTENTS,
      rest: { api: this.apiUrl },
      // Inbound reads raw gateway data; discord.js need not keep every message in memory.
      makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    });
    this.client = client;
    this.work = work;
    this.wire(client, work, handlers);
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    try {
      await client.login(this.options.token);
      await withTimeout(ready, this.options.readyTimeoutMs ?? 30_000, 'The Discord gateway did not become ready in time: check DISCORD_API_URL and the network, then restart.');
    } catch (err) {
      this.client = undefined;
      this.work = undefined;
      await client.destroy().catch(() => undefined);
      throw loginError(err);
    }
    this.botId = client.user?.id ?? this.botId;
    const appId = client.application?.id;
    if (appId && appId !== this.options.applicationId) {
      // Registration and every interaction answer are addressed by application id: nothing would work.
      await this.stop();
      throw new Error(`DISCORD_APPLICATION_ID is ${this.options.applicationId} but DISCORD_TOKEN belongs to application ${appId}: set DISCORD_APPLICATION_ID to ${appId}.`);
    }
    await this.registerAtStart([...client.guilds.cache.keys()]);
    this.log.info({ component: 'discord', bot: this.botId, guilds: client.guilds.cache.size }, 'Discord adapter started');
  }

  async stop(): Promise<void> {
    const client = this.client;
    const work = this.work;
    this.client = undefined;
    this.work = undefined;
    await client?.destroy();
    await work?.settled();
  }

  /** Resolves when every inbound event received so far has been handled. */
  async settled(): Promise<void> {
    await this.work?.settled();
  }

  async openThread(channelId: string, card: TicketCard): Promise<ThreadRef> {
    return this.outbound.openThread(channelId, card);
  }

  async updateCard(thread: ThreadRef, card: TicketCard): Promise<void> {
    await this.outbound.updateCard(thread, card);
  }

  async post(thread: ThreadRef, message: OutboundMessage): Promise<string> {
    return this.outbound.post(thread, message);
  }

  async edit(thread: ThreadRef, messageId: string, message: OutboundMessage): Promise<void> {
    await this.outbound.edit(thread, messageId, message);
  }

  async remove(thread: ThreadRef, messageId: string): Promise<void> {
    await this.outbound.remove(thread, messageId);
  }

  /**
   * Discord has ephemeral messages only as answers to interactions: when the user's last
   * interaction in this thread is still valid the note is an ephemeral follow-up, else a DM.
   */
  async notify(target: { channelId: string; threadId?: string; userId: string }, text: string): Promise<void> {
    const live = this.live.get(target.userId);
    if (live && live.channelId === target.channelId && live.threadId === target.threadId) {
      try {
        for (const part of splitText(text)) await followUp({ rest: this.rest, applicationId: this.options.applicationId }, live.token, part);
        return;
      } catch (err) {
        this.log.warn({ component: 'discord', err }, 'ephemeral follow-up failed; sending a direct message instead');
        this.live.delete(target.userId);
      }
    }
    await this.outbound.directMessage(target.userId, text, target.threadId ?? target.channelId);
  }

  /** Registers `/ticket` in the configured guilds now (bulk overwrite, idempotent). */
  async registerCommands(guildIds: readonly string[] = this.configuredGuilds() ?? []): Promise<RegisteredCommand[]> {
    return putCommands(this.rest, this.options.applicationId, guildIds);
  }

  /** Token, application, guild membership, `/ticket` registration and, per channel, the bot's permissions. */
  async doctor(channelIds: string[] = []): Promise<DoctorFinding[]> {
    const guildIds = this.configuredGuilds() ?? [...(this.client?.guilds.cache.keys() ?? [])];
    return runDoctor({ rest: this.rest, applicationId: this.options.applicationId, guildIds, channelIds });
  }

  private configuredGuilds(): string[] | undefined {
    const ids = [...(this.options.guildIds ?? []), ...(this.options.guildId ? [this.options.guildId] : [])];
    return ids.length > 0 ? [...new Set(ids)] : undefined;
  }

  private async registerAtStart(joined: string[]): Promise<void> {
    const guildIds = this.configuredGuilds() ?? joined;
    this.registered = [];
    // One guild refusing (e.g. invited without applications.commands) must not stop the others.
    for (const guildId of guildIds) {
      try {
        this.registered.push(...(await putCommands(this.rest, this.options.applicationId, [guildId])));
      } catch (err) {
        this.log.error({ component: 'discord', err, guildId }, `could not register /ticket in guild ${guildId}`);
      }
    }
  }

  private wire(client: Client, work: SerialWork, handlers: ChatHandlers): void {
    client.on(Events.Error, (err) => this.log.error({ component: 'discord', err }, 'discord.js reported an error'));
    client.on(Events.Warn, (msg) => this.log.warn({ component: 'discord' }, msg));
    const ctx: InboundContext = {
      handlers, logger: this.log, seen: newSeenCache(),
      api: {
        directory: this.directory,
        botUserId: () => this.botId,
        isOwnMessage: (id) => this.outbound.isOwn(id),
        deletedByUs: (id) => this.outbound.deletedByUs(id),
        answerPrivately: (target, text) => this.outbound.directMessage(target.userId, text, target.channelId, target.messageId),
        download: (url) => this.download(url),
      },
    };
    const ictx: InteractionContext = {
      handlers, logger: this.log, rest: this.rest, directory: this.directory, applicationId: this.options.applicationId,
      deferAfterMs: this.options.deferAfterMs ?? 1500,
      remember: (live) => this.live.set(live.userId, live),
      fallback: (userId, text, channelId) => this.outbound.directMessage(userId, text, channelId),
    };
    // Raw dispatches: the listener runs before discord.js's own handling, for every event.
    const raw = (event: GatewayDispatchEvents, fn: (d: Json) => void) =>
      client.ws.on(event, (data: unknown) => {
        const d = asObj(data);
        if (d) fn(d);
      });
    // Channel knowledge is updated synchronously, so the events that follow see it.
    raw(GatewayDispatchEvents.Ready, (d) => (this.botId = str(asObj(d.user), 'id') ?? this.botId));
    raw(GatewayDispatchEvents.GuildCreate, (d) => this.directory.learnGuild(d));
    for (const e of [GatewayDispatchEvents.ThreadCreate, GatewayDispatchEvents.ThreadUpdate, GatewayDispatchEvents.ChannelCreate, GatewayDispatchEvents.ChannelUpdate]) {
      raw(e, (d) => this.directory.learn(d));
    }
    for (const e of [GatewayDispatchEvents.ThreadDelete, GatewayDispatchEvents.ChannelDelete]) raw(e, (d) => this.directory.forget(str(d, 'id') ?? ''));
    raw(GatewayDispatchEvents.ThreadListSync, (d) => this.directory.learnThreadList(d));
    // Per channel in order; interactions at once (Discord's 3 s clock is running).
    const queued = (e: GatewayDispatchEvents, fn: (c: InboundContext, d: Json) => Promise<void>) => raw(e, (d) => work.run(this.ticketKey(d), () => fn(ctx, d)));
    queued(GatewayDispatchEvents.MessageCreate, onMessageCreate);
    queued(GatewayDispatchEvents.MessageUpdate, onMessageUpdate);
    queued(GatewayDispatchEvents.MessageDelete, (c, d) => onMessageDelete(c, d));
    queued(GatewayDispatchEvents.MessageDeleteBulk, onMessageDeleteBulk);
    queued(GatewayDispatchEvents.MessageReactionAdd, onReactionAdd);
    raw(GatewayDispatchEvents.InteractionCreate, (d) => work.run(undefined, () => onInteraction(ictx, d)));
  }

  /**
   * Events of one ticket are handled in order: a thread's channel id, or — for a reaction on a
   * text channel's card — the card's id, which is its thread's id.
   */
  private ticketKey(d: Json): string | undefined {
    const channelId = str(d, 'channel_id');
    const known = channelId ? this.directory.peek(channelId) : undefined;
    return known && !isThread(known) ? str(d, 'message_id') ?? channelId : channelId;
  }

  private async download(url: string): Promise<Buffer> {
    const host = new URL(url).host;
    if (!this.downloadHosts.has(host)) throw new Error(`Refusing to download a Discord attachment from ${host}: only Discord's CDN is trusted.`);
    const res = await fetch(url, { redirect: 'follow' });
    if (!res.ok) throw new Error(`Downloading a Discord attachment failed with HTTP ${res.status}; attachment links expire after a day — ask for the file again.`);
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > MAX_DOWNLOAD_BYTES) throw new Error(`A Discord attachment of ${length} bytes is over the ${MAX_DOWNLOAD_BYTES}-byte limit.`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_DOWNLOAD_BYTES) throw new Error(`A Discord attachment of ${body.length} bytes is over the ${MAX_DOWNLOAD_BYTES}-byte limit.`);
    return body;
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** discord.js login failures → what to fix. */
function loginError(err: unknown): Error {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  // discord.js reports these with a code; @discordjs/ws (gateway close 4004/4014) only by message.
  const message = err instanceof Error ? err.message : '';
  if (code === 'TokenInvalid' || /authentication failed/i.test(message)) return new Error('Discord rejected DISCORD_TOKEN: copy the bot token again from the Developer Portal (Bot → Reset Token).', { cause: err });
  if (code === 'DisallowedIntents' || /disallowed intents/i.test(message)) {
    return new Error('Discord refused the gateway intents: enable "Message Content Intent" in the Developer Portal (Bot → Privileged Gateway Intents), then restart.', { cause: err });
  }
  return err instanceof Error && /gateway did not become ready/.test(err.message) ? err : explain(err, 'connect to the gateway');
}
