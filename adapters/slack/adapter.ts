// The Slack side of the chat port: lifecycle and outbound calls. Every Web API call goes through
// the per-channel rate queue; inbound listeners live in inbound.ts, rendering in format.ts.
import { App, webApi, type types } from '@slack/bolt';
import type { ChatActor, ChatAdapter, ChatAttachment, ChatHandlers, OutboundMessage, ThreadRef, TicketCard } from '../chat-port.js';
import { BoundedCache } from '../bounded-cache.js';
import { runDoctor, type DoctorFinding } from './doctor.js';
import { markdownToMrkdwn, renderCard, renderMessage } from './format.js';
import { registerInbound, type InboundApi } from './inbound.js';
import { silentLog, type LogSink } from '../log-sink.js';
import { boltLogger } from './log.js';
import { RateQueue, SlackApiError, type RateQueueOptions } from './rate-queue.js';
import { SlackReceiver, type SlackHttpRequest, type SlackHttpResponse } from './receiver.js';

export interface SlackAdapterOptions {
  /** Bot token (`xoxb-…`, SLACK_BOT_TOKEN). */
  botToken: string;
  /** Signing secret (SLACK_SIGNING_SECRET); required unless Socket Mode is used. */
  signingSecret: string;
  /** App-level token (`xapp-…`, SLACK_APP_TOKEN): switches to Socket Mode. */
  appToken?: string;
  /** Web API base (SLACK_API_URL), e.g. a test double; default https://slack.com/api/. */
  apiUrl?: string;
  /** Slash command name as registered in the Slack app; default `/ticket`. */
  commandName?: string;
  logger?: LogSink;
  rateQueue?: RateQueueOptions;
  ackTimeoutMs?: number;
}

interface UserInfo {
  email: string | null;
  displayName?: string;
}

const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;

export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;
  /** Every call goes through the rate queue (`call`), so the client itself stays private. */
  private readonly client: webApi.WebClient;
  private readonly options: SlackAdapterOptions;
  private readonly log: LogSink;
  private readonly clientOptions: webApi.WebClientOptions;
  private readonly queue: RateQueue;
  private readonly fileHosts: Set<string>;
  private readonly threads = new BoundedCache<string>(10_000);
  private readonly users = new BoundedCache<UserInfo>(2_000, 60 * 60 * 1000);
  private app: App | undefined;
  private receiver: SlackReceiver | undefined;
  private identity: { botUserId: string; botId: string } | undefined;

  constructor(options: SlackAdapterOptions) {
    if (!options.botToken) throw new Error('The Slack bot token is empty: set SLACK_BOT_TOKEN (xoxb-…).');
    if (!options.appToken && !options.signingSecret) {
      throw new Error('The Slack signing secret is empty: set SLACK_SIGNING_SECRET (threaddesk never accepts unsigned Slack requests), or SLACK_APP_TOKEN for Socket Mode.');
    }
    this.options = options;
    this.log = options.logger ?? silentLog;
    const apiUrl = options.apiUrl ? options.apiUrl.replace(/\/*$/, '/') : 'https://slack.com/api/';
    // Bearer tokens are only ever sent to Slack's file host or to the configured API host.
    this.fileHosts = new Set(['files.slack.com', new URL(apiUrl).host]);
    this.clientOptions = {
      slackApiUrl: apiUrl,
      // The rate queue is the only place that waits and retries; see rate-queue.ts.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: 30_000,
      logger: boltLogger(this.log),
    };
    this.client = new webApi.WebClient(options.botToken, { ...this.clientOptions });
    this.queue = new RateQueue({
      ...options.rateQueue,
      onRateLimited: (info) => {
        this.log.warn({ component: 'slack', ...info }, 'Slack rate limit hit; waiting as asked');
        options.rateQueue?.onRateLimited?.(info);
      },
    });
  }

  /** The bot's own user id (from auth.test at start), to recognise its own messages. */
  get botUserId(): string | undefined {
    return this.identity?.botUserId;
  }

  async start(handlers: ChatHandlers): Promise<void> {
    if (this.app) throw new Error('The Slack adapter is already started; call stop() first.');
    const auth = await this.call('auth', 'auth.test', () => this.client.auth.test());
    if (!auth.user_id || !auth.bot_id) {
      throw new Error('Slack auth.test returned no bot user: SLACK_BOT_TOKEN must be a bot token (xoxb-…).');
    }
    this.identity = { botUserId: auth.user_id, botId: auth.bot_id };
    const { appToken, botToken, signingSecret } = this.options;
    const receiver = appToken ? undefined : new SlackReceiver({ signingSecret, logger: this.log, ackTimeoutMs: this.options.ackTimeoutMs });
    const app = new App({
      token: botToken,
      // Known ids keep Bolt from calling auth.test again for every event.
      botId: auth.bot_id,
      botUserId: auth.user_id,
      ...(receiver ? { receiver } : { socketMode: true, appToken }),
      clientOptions: { ...this.clientOptions },
      logger: boltLogger(this.log),
    });
    registerInbound(app, {
      handlers,
      botUserId: auth.user_id,
      commandName: this.options.commandName ?? '/ticket',
      logger: this.log,
      api: this.inboundApi(),
    });
    await app.start();
    this.app = app;
    this.receiver = receiver;
    this.log.info({ component: 'slack', team: auth.team, bot: auth.user_id, mode: receiver ? 'http' : 'socket' }, 'Slack adapter started');
  }

  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    this.receiver = undefined;
    this.queue.stop();
    await app?.stop();
  }

  /** For the HTTP layer: one call per `POST /slack/events`. */
  async handleHttp(request: SlackHttpRequest): Promise<SlackHttpResponse> {
    if (!this.receiver) {
      const why = this.options.appToken ? 'it runs in Socket Mode' : 'it is not started';
      return { status: 503, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `The Slack adapter does not take HTTP requests: ${why}.` };
    }
    return this.receiver.handle(request);
  }

  /** Resolves when the work started by earlier HTTP requests (after their ack) has finished. */
  async settled(): Promise<void> {
    await this.receiver?.settled();
  }

  async openThread(channelId: string, card: TicketCard): Promise<ThreadRef> {
    const { text, blocks } = renderCard(card);
    const res = await this.call(channelId, 'chat.postMessage', () =>
      this.client.chat.postMessage({ channel: channelId, text, blocks, link_names: false, unfurl_links: false, unfurl_media: false }),
    );
    if (!res.ts) throw new SlackApiError(`Slack accepted the ticket card in ${channelId} but returned no message ts.`, 'no_ts');
    return { platform: 'slack', channelId: res.channel ?? channelId, threadId: res.ts, cardMessageId: res.ts };
  }

  async updateCard(thread: ThreadRef, card: TicketCard): Promise<void> {
    const { text, blocks } = renderCard(card);
    await this.call(thread.channelId, 'chat.update', () =>
      this.client.chat.update({ channel: thread.channelId, ts: thread.cardMessageId, text, blocks, link_names: false }),
    );
  }

  async post(thread: ThreadRef, message: OutboundMessage): Promise<string> {
    const text = renderMessage(message);
    const res = await this.call(thread.channelId, 'chat.postMessage', () =>
      this.client.chat.postMessage({
        channel: thread.channelId, thread_ts: thread.threadId, text, link_names: false, unfurl_links: false, unfurl_media: false,
      }),
    );
    if (!res.ts) throw new SlackApiError(`Slack accepted a message in ${thread.channelId} but returned no message ts.`, 'no_ts');
    this.remember(thread.channelId, res.ts, thread.threadId);
    if (message.attachments && message.attachments.length > 0) await this.upload(thread, message.attachments);
    return res.ts;
  }

  async edit(thread: ThreadRef, messageId: string, message: OutboundMessage): Promise<void> {
    const text = renderMessage(message);
    await this.call(thread.channelId, 'chat.update', () =>
      this.client.chat.update({ channel: thread.channelId, ts: messageId, text, link_names: false }),
    );
  }

  async remove(thread: ThreadRef, messageId: string): Promise<void> {
    try {
      await this.call(thread.channelId, 'chat.delete', () => this.client.chat.delete({ channel: thread.channelId, ts: messageId }));
    } catch (err) {
      // Already gone is what we wanted; a retried delete must not fail.
      if (err instanceof SlackApiError && err.slackError === 'message_not_found') return;
      throw err;
    }
  }

  async notify(target: { channelId: string; threadId?: string; userId: string }, text: string): Promise<void> {
    await this.postEphemeral(target.channelId, target.userId, markdownToMrkdwn(text), target.threadId);
  }

  /** The user's email from their Slack profile (needs users:read.email), or null. Cached for an hour. */
  async lookupEmail(userId: string): Promise<string | null> {
    return (await this.userInfo(userId))?.email ?? null;
  }

  /** Checks the token, the scopes and, for each channel id, that the bot is a member. */
  async doctor(channelIds: string[] = []): Promise<DoctorFinding[]> {
    return runDoctor({
      client: this.client,
      call: (key, label, fn) => this.call(key, label, fn),
      channelIds,
      mode: this.options.appToken ? 'socket' : 'http',
    });
  }

  private call<T>(key: string, label: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(key, label, fn);
  }

  private remember(channelId: string, ts: string, threadId: string): void {
    this.threads.set(`${channelId}:${ts}`, threadId);
  }

  private async upload(thread: ThreadRef, attachments: ChatAttachment[]): Promise<void> {
    try {
      await this.call(thread.channelId, 'files.uploadV2', () =>
        this.client.filesUploadV2({
          channel_id: thread.channelId,
          thread_ts: thread.threadId,
          file_uploads: attachments.map((a) => ({ file: a.content, filename: a.filename, title: a.filename })),
        }),
      );
    } catch (err) {
      // The text is posted already; throwing would make the caller post it twice. Say so in the
      // thread instead, so nothing disappears silently.
      this.log.error({ component: 'slack', err, channel: thread.channelId }, 'uploading attachments to Slack failed');
      const names = attachments.map((a) => a.filename).join(', ');
      await this.postNotice(thread, `:warning: The attachment(s) ${markdownToMrkdwn(names)} could not be uploaded to Slack; they are kept in the ticket.`);
    }
  }

  private async postNotice(thread: ThreadRef, text: string): Promise<void> {
    await this.call(thread.channelId, 'chat.postMessage', () =>
      this.client.chat.postMessage({ channel: thread.channelId, thread_ts: thread.threadId, text, link_names: false }),
    );
  }

  private async postEphemeral(channelId: string, userId: string, text: string, threadId?: string): Promise<void> {
    await this.call(channelId, 'chat.postEphemeral', () =>
      this.client.chat.postEphemeral({ channel: channelId, user: userId, text, link_names: false, ...(threadId ? { thread_ts: threadId } : {}) }),
    );
  }

  private async userInfo(userId: string): Promise<UserInfo | null> {
    const cached = this.users.get(userId);
    if (cached) return cached;
    try {
      const res = await this.call(`users:${userId}`, 'users.info', () => this.client.users.info({ user: userId }));
      const profile = res.user?.profile;
      const displayName = profile?.display_name || profile?.real_name || res.user?.real_name || res.user?.name || undefined;
      const info: UserInfo = { email: profile?.email ?? null, ...(displayName ? { displayName } : {}) };
      this.users.set(userId, info);
      return info;
    } catch (err) {
      if (err instanceof SlackApiError && err.slackError === 'user_not_found') return null;
      throw err;
    }
  }

  private inboundApi(): InboundApi {
    return {
      postEphemeral: (channelId, userId, text, threadId) => this.postEphemeral(channelId, userId, text, threadId),
      openModal: async (triggerId, view: types.ModalView) => {
        // Own queue key: a trigger id expires after 3 s and must not wait behind channel traffic.
        await this.call(`views:${triggerId}`, 'views.open', () => this.client.views.open({ trigger_id: triggerId, view }));
      },
      threadOf: (channelId, ts) => this.threadOf(channelId, ts),
      remember: (channelId, ts, threadId) => this.remember(channelId, ts, threadId),
      actor: (userId) => this.actor(userId),
      downloadFile: (url) => this.download(url),
    };
  }

  private async actor(userId: string): Promise<ChatActor> {
    try {
      const info = await this.userInfo(userId);
      return { platform: 'slack', userId, ...(info?.displayName ? { displayName: info.displayName } : {}) };
    } catch (err) {
      // The name is a nicety; the id is what the core maps to an agent.
      this.log.warn({ component: 'slack', err, userId }, 'could not look up a Slack user');
      return { platform: 'slack', userId };
    }
  }

  /** Reaction events name only the message; its thread comes from the cache or conversations.replies. */
  private async threadOf(channelId: string, ts: string): Promise<string> {
    const known = this.threads.get(`${channelId}:${ts}`);
    if (known) return known;
    try {
      const res = await this.call(channelId, 'conversations.replies', () =>
        this.client.conversations.replies({ channel: channelId, ts, limit: 1 }),
      );
      const thread = res.messages?.[0]?.thread_ts ?? ts;
      this.remember(channelId, ts, thread);
      return thread;
    } catch (err) {
      this.log.warn({ component: 'slack', err, channelId, ts }, 'could not find the thread of a Slack message; using the message itself');
      return ts;
    }
  }

  private async download(url: string): Promise<Buffer> {
    const host = new URL(url).host;
    if (!this.fileHosts.has(host)) throw new Error(`Refusing to download a Slack file from ${host}: the bot token is only sent to Slack.`);
    const res = await fetch(url, { headers: { authorization: `Bearer ${this.options.botToken}` }, redirect: 'follow' });
    if (!res.ok) throw new Error(`Downloading a Slack file failed with HTTP ${res.status} (does the app have the files:read scope?).`);
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > MAX_DOWNLOAD_BYTES) throw new Error(`A Slack file of ${length} bytes is over the ${MAX_DOWNLOAD_BYTES}-byte limit.`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_DOWNLOAD_BYTES) throw new Error(`A Slack file of ${body.length} bytes is over the ${MAX_DOWNLOAD_BYTES}-byte limit.`);
    return body;
  }
}
