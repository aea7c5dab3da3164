// A wire-level double of the Slack Web API: a real HTTP server on 127.0.0.1 that @slack/web-api
// (and so Bolt) talks to through `slackApiUrl`. It answers the documented shapes
// (`{ok:true,…}` / `{ok:false,error}`), keeps channels, messages, threads, files, ephemerals and
// views, records every call, and can misbehave on request: 429 with Retry-After, 500, or a
// per-second rate limit. The user side (people posting, clicking, reacting, and Slack delivering
// signed requests to our endpoint) lives in tests/chat/slack-workspace.ts.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleUser { id: string; name: string; realName?: string; email?: string; isBot?: boolean }
export interface DoubleChannel { id: string; name: string; isPrivate: boolean; isMember: boolean; members: Set<string> }
export interface DoubleFile { id: string; name: string; title: string; mimetype: string; content: Buffer; uploaded: boolean }
export interface DoubleMessage {
  channel: string; ts: string; threadTs?: string; user: string; botId?: string; text: string;
  blocks?: unknown[]; linkNames: boolean; files: DoubleFile[]; reactions: Map<string, Set<string>>;
  edited?: { user: string; ts: string }; replyCount: number; deleted: boolean;
}
export interface DoubleEphemeral {
  channel: string; user: string; text: string; blocks?: unknown[]; threadTs?: string; via: 'chat.postEphemeral' | 'response_url';
}
export interface DoubleView { id: string; user?: string; view: Record<string, unknown> }
export interface RecordedCall { method: string; args: Record<string, unknown>; at: number; status: number; error?: string }
export interface Fault { status: 429 | 500 | 503; retryAfter?: number }
export type CallFilter = (method: string, args: Record<string, unknown>) => boolean;
export type BotActivity =
  | { kind: 'posted'; message: DoubleMessage }
  | { kind: 'updated'; message: DoubleMessage; previousText: string }
  | { kind: 'deleted'; message: DoubleMessage };

type Args = Record<string, unknown>;
type Result = { status?: number; headers?: Record<string, string>; body: Record<string, unknown> };
class ApiError extends Error {}

const DEFAULT_SCOPES = 'chat:write,channels:history,groups:history,reactions:read,users:read,users:read.email,files:write,files:read,commands,app_mentions:read';
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
function json(v: unknown): unknown {
  if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return v;
  try { return JSON.parse(v); } catch { return v; }
}

export class SlackDouble {
  readonly botToken = 'xoxb-double-token';
  readonly team = { id: 'T0DOUBLE', name: 'Double Workspace' };
  readonly bot = { userId: 'UBOT', botId: 'BBOT', appId: 'ADOUBLE', name: 'threaddesk' };
  scopes = DEFAULT_SCOPES;
  readonly calls: RecordedCall[] = [];
  readonly users = new Map<string, DoubleUser>();
  readonly channels = new Map<string, DoubleChannel>();
  readonly messages: DoubleMessage[] = [];
  readonly ephemerals: DoubleEphemeral[] = [];
  readonly views: DoubleView[] = [];
  readonly files = new Map<string, DoubleFile>();
  private readonly triggers = new Map<string, string | undefined>();
  private readonly responseUrls = new Map<string, { user: string; channel: string }>();
  private rules: Array<{ every?: number; remaining?: number; seen: number; fault: Fault; filter?: CallFilter }> = [];
  private limit: { perSecond: number; per: 'method' | 'method+channel'; windows: Map<string, number[]> } | null = null;
  private listeners: Array<(activity: BotActivity) => void> = [];
  private counter = 0;

  private constructor(private readonly server: http.Server, readonly url: string) {}

  static async start(): Promise<SlackDouble> {
    const holder: { double?: SlackDouble } = {};
    const server = http.createServer((req, res) => {
      void holder.double?.route(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`slack double crashed: ${err instanceof Error ? err.stack : String(err)}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const double = new SlackDouble(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    holder.double = double;
    double.addUser({ id: double.bot.userId, name: double.bot.name, isBot: true });
    return double;
  }

  get apiUrl(): string { return `${this.url}/api/`; }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- workspace set-up and inspection -------------------------------------------------------
  addUser(user: DoubleUser): void { this.users.set(user.id, user); }
  addChannel(c: { id: string; name: string; isPrivate?: boolean; isMember?: boolean; members?: string[] }): void {
    const members = new Set(c.members ?? [...this.users.keys()]);
    if (c.isMember ?? true) members.add(this.bot.userId);
    this.channels.set(c.id, { id: c.id, name: c.name, isPrivate: c.isPrivate ?? false, isMember: c.isMember ?? true, members });
  }
  callsTo(method: string): RecordedCall[] { return this.calls.filter((c) => c.method === method); }
  message(channel: string, ts: string): DoubleMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts && !m.deleted);
  }
  topLevel(channel: string): DoubleMessage[] { return this.messages.filter((m) => m.channel === channel && !m.threadTs && !m.deleted); }
  replies(channel: string, threadTs: string): DoubleMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.threadTs === threadTs && !m.deleted);
  }
  onBotActivity(listener: (activity: BotActivity) => void): void { this.listeners.push(listener); }

  /** Slack-style ts: unique and increasing, so sorting by ts is sorting by time. */
  nextTs(): string {
    this.counter += 1;
    return `${1_700_000_000 + Math.floor(this.counter / 1e6)}.${String(this.counter % 1e6).padStart(6, '0')}`;
  }
  nextId(prefix: string): string { return `${prefix}${this.nextTs().replace('.', '')}`; }

  // ---- state changes made by people (driven by tests/chat/slack-workspace.ts) ----------------
  insertMessage(m: { channel: string; user: string; text: string; threadTs?: string; botId?: string; files?: DoubleFile[]; blocks?: unknown[]; linkNames?: boolean }): DoubleMessage {
    const message: DoubleMessage = {
      channel: m.channel, ts: this.nextTs(), user: m.user, text: m.text, linkNames: m.linkNames ?? false, files: m.files ?? [],
      reactions: new Map(), replyCount: 0, deleted: false,
      ...(m.threadTs ? { threadTs: m.threadTs } : {}), ...(m.botId ? { botId: m.botId } : {}), ...(m.blocks ? { blocks: m.blocks } : {}),
    };
    if (m.threadTs) {
      const parent = this.message(m.channel, m.threadTs);
      if (parent) parent.replyCount += 1;
    }
    this.messages.push(message);
    return message;
  }
  addFile(name: string, mimetype: string, content: Buffer): DoubleFile {
    const file: DoubleFile = { id: this.nextId('F'), name, title: name, mimetype, content, uploaded: true };
    this.files.set(file.id, file);
    return file;
  }
  fileJson(f: DoubleFile): Record<string, unknown> {
    const url = `${this.url}/files-pri/${this.team.id}-${f.id}/${encodeURIComponent(f.name)}`;
    return { id: f.id, name: f.name, title: f.title, mimetype: f.mimetype, size: f.content.length, mode: 'hosted', url_private: url, url_private_download: `${url}?download=1` };
  }
  messageJson(m: DoubleMessage): Record<string, unknown> {
    return {
      type: 'message', ts: m.ts, user: m.user, text: m.text, team: this.team.id,
      ...(m.botId ? { bot_id: m.botId, app_id: this.bot.appId } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : m.replyCount > 0 ? { thread_ts: m.ts, reply_count: m.replyCount } : {}),
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.files.length > 0 ? { files: m.files.map((f) => this.fileJson(f)), upload: true } : {}),
      ...(m.edited ? { edited: m.edited } : {}),
    };
  }
  issueTrigger(user?: string): string {
    const id = `${this.nextTs()}.trigger`;
    this.triggers.set(id, user);
    return id;
  }
  issueResponseUrl(user: string, channel: string): string {
    const id = this.nextId('R');
    this.responseUrls.set(id, { user, channel });
    return `${this.url}/response/${id}`;
  }

  // ---- misbehaviour --------------------------------------------------------------------------
  /** The next `count` matching calls fail with `fault`. */
  failNext(count: number, fault: Fault, filter?: CallFilter): void { this.rules.push({ remaining: count, seen: 0, fault, filter }); }
  /** Every `n`th matching call (n, 2n, 3n…) fails with `fault`. */
  failEvery(n: number, fault: Fault, filter?: CallFilter): void { this.rules.push({ every: n, seen: 0, fault, filter }); }
  /** At most `perSecond` calls per method (or per method and channel) in any second; 429 beyond. */
  rateLimit(perSecond: number | null, per: 'method' | 'method+channel' = 'method+channel'): void {
    this.limit = perSecond === null ? null : { perSecond, per, windows: new Map() };
  }
  clearFaults(): void { this.rules = []; this.limit = null; }

  private faultFor(method: string, args: Args): Fault | null {
    for (const rule of this.rules) {
      if (rule.filter && !rule.filter(method, args)) continue;
      rule.seen += 1;
      if (rule.remaining !== undefined && rule.remaining > 0) { rule.remaining -= 1; return rule.fault; }
      if (rule.every !== undefined && rule.seen % rule.every === 0) return rule.fault;
    }
    if (!this.limit) return null;
    const key = this.limit.per === 'method' ? method : `${method}:${str(args.channel) ?? str(args.channel_id) ?? ''}`;
    const now = Date.now();
    const window = (this.limit.windows.get(key) ?? []).filter((t) => t > now - 1000);
    this.limit.windows.set(key, window);
    if (window.length >= this.limit.perSecond) return { status: 429, retryAfter: 1 };
    window.push(now);
    return null;
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(body);
    };
    if (url.pathname.startsWith('/api/')) {
      const { status, headers, body } = await this.api(url.pathname.slice(5), raw, req.headers);
      return send(status ?? 200, JSON.stringify(body), { 'x-oauth-scopes': this.scopes, ...headers });
    }
    if (url.pathname.startsWith('/upload/')) {
      const file = this.files.get(url.pathname.slice(8));
      if (!file) return send(404, 'no such upload', { 'content-type': 'text/plain' });
      // files.uploadV2 posts multipart/form-data; fetch's Response parses it for us.
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const part = [...form.values()].find((v): v is File => typeof v !== 'string');
      file.content = part ? Buffer.from(await part.arrayBuffer()) : raw;
      file.uploaded = true;
      this.calls.push({ method: '(upload)', args: { file_id: file.id, length: file.content.length }, at: Date.now(), status: 200 });
      return send(200, `OK - ${file.content.length}`, { 'content-type': 'text/plain' });
    }
    if (url.pathname.startsWith('/response/')) {
      const target = this.responseUrls.get(url.pathname.slice(10));
      if (!target) return send(404, 'no such response_url', { 'content-type': 'text/plain' });
      const body = JSON.parse(raw.toString('utf8')) as Args;
      this.calls.push({ method: '(response_url)', args: body, at: Date.now(), status: 200 });
      const text = str(body.text) ?? '';
      if (body.response_type === 'in_channel') this.insertMessage({ channel: target.channel, user: this.bot.userId, botId: this.bot.botId, text });
      else this.ephemerals.push({ channel: target.channel, user: target.user, text, via: 'response_url' });
      return send(200, 'ok', { 'content-type': 'text/plain' });
    }
    if (url.pathname.startsWith('/files-pri/')) {
      if (req.headers.authorization !== `Bearer ${this.botToken}`) return send(403, 'forbidden', { 'content-type': 'text/plain' });
      const id = url.pathname.split('/')[2]?.split('-')[1] ?? '';
      const file = this.files.get(id);
      if (!file) return send(404, 'not found', { 'content-type': 'text/plain' });
      return send(200, file.content, { 'content-type': file.mimetype, 'content-length': String(file.content.length) });
    }
    send(404, JSON.stringify({ ok: false, error: 'not_found' }));
  }

  private async api(method: string, raw: Buffer, headers: http.IncomingHttpHeaders): Promise<Result> {
    const type = headers['content-type'] ?? '';
    const args: Args = {};
    if (type.includes('application/json')) Object.assign(args, JSON.parse(raw.toString('utf8') || '{}'));
    else for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) args[k] = json(v);
    const call: RecordedCall = { method, args, at: Date.now(), status: 200 };
    this.calls.push(call);
    const fault = this.faultFor(method, args);
    if (fault) {
      call.status = fault.status;
      const retry: Record<string, string> = fault.status === 429 ? { 'retry-after': String(fault.retryAfter ?? 1) } : {};
      return { status: fault.status, headers: retry, body: { ok: false, error: fault.status === 429 ? 'ratelimited' : 'internal_error' } };
    }
    const token = headers.authorization?.replace(/^Bearer /, '') ?? str(args.token);
    try {
      if (token !== this.botToken) throw new ApiError(token ? 'invalid_auth' : 'not_authed');
      return { body: { ok: true, ...this.dispatch(method, args) } };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      call.error = err.message;
      return { body: { ok: false, error: err.message } };
    }
  }

  private channel(args: Args, key = 'channel'): DoubleChannel {
    const channel = this.channels.get(str(args[key]) ?? '');
    if (!channel) throw new ApiError('channel_not_found');
    return channel;
  }
  private existing(args: Args, tsKey = 'ts'): DoubleMessage {
    const channel = this.channel(args);
    const message = this.message(channel.id, str(args[tsKey]) ?? '');
    if (!message) throw new ApiError('message_not_found');
    return message;
  }
  private emit(activity: BotActivity): void { for (const listener of this.listeners) listener(activity); }

  private dispatch(method: string, args: Args): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { url: 'https://double.slack.test/', team: this.team.name, user: this.bot.name, team_id: this.team.id, user_id: this.bot.userId, bot_id: this.bot.botId, is_enterprise_install: false };
      case 'chat.postMessage': {
        const channel = this.channel(args);
        if (!channel.isMember) throw new ApiError('not_in_channel');
        const text = str(args.text) ?? '';
        const blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
        if (!text && !blocks) throw new ApiError('no_text');
        const threadTs = str(args.thread_ts);
        // Stricter than Slack (which posts to the channel instead), to catch wrong thread ids.
        if (threadTs && !this.message(channel.id, threadTs)) throw new ApiError('thread_not_found');
        const message = this.insertMessage({ channel: channel.id, user: this.bot.userId, botId: this.bot.botId, text, threadTs, blocks, linkNames: args.link_names === true || args.link_names === 'true' || args.link_names === 1 || args.link_names === '1' });
        this.emit({ kind: 'posted', message });
        return { channel: channel.id, ts: message.ts, message: this.messageJson(message) };
      }
      case 'chat.update': {
        const message = this.existing(args);
        if (message.botId !== this.bot.botId) throw new ApiError('cant_update_message');
        const previousText = message.text;
        if (args.text !== undefined) message.text = str(args.text) ?? '';
        if (args.blocks !== undefined) message.blocks = Array.isArray(args.blocks) ? args.blocks : undefined;
        message.edited = { user: this.bot.userId, ts: this.nextTs() };
        this.emit({ kind: 'updated', message, previousText });
        return { channel: message.channel, ts: message.ts, text: message.text, message: this.messageJson(message) };
      }
      case 'chat.delete': {
        const message = this.existing(args);
        if (message.botId !== this.bot.botId) throw new ApiError('cant_delete_message');
        message.deleted = true;
        this.emit({ kind: 'deleted', message });
        return { channel: message.channel, ts: message.ts };
      }
      case 'chat.postEphemeral': {
        const channel = this.channel(args);
        const user = str(args.user) ?? '';
        if (!this.users.has(user)) throw new ApiError('user_not_found');
        if (!channel.members.has(user)) throw new ApiError('user_not_in_channel');
        const threadTs = str(args.thread_ts);
        this.ephemerals.push({ channel: channel.id, user, text: str(args.text) ?? '', via: 'chat.postEphemeral', ...(threadTs ? { threadTs } : {}), ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}) });
        return { message_ts: this.nextTs() };
      }
      case 'users.info': {
        const user = this.users.get(str(args.user) ?? '');
        if (!user) throw new ApiError('user_not_found');
        return { user: { id: user.id, team_id: this.team.id, name: user.name, real_name: user.realName ?? user.name, is_bot: user.isBot ?? false, deleted: false, profile: { real_name: user.realName ?? user.name, display_name: user.name, ...(user.email ? { email: user.email } : {}) } } };
      }
      case 'conversations.info': {
        const c = this.channel(args);
        return { channel: { id: c.id, name: c.name, is_channel: !c.isPrivate, is_group: c.isPrivate, is_private: c.isPrivate, is_member: c.isMember, is_archived: false } };
      }
      case 'conversations.members':
        return { members: [...this.channel(args).members], response_metadata: { next_cursor: '' } };
      case 'conversations.join': {
        const c = this.channel(args);
        c.isMember = true;
        c.members.add(this.bot.userId);
        return { channel: { id: c.id, name: c.name, is_member: true } };
      }
      case 'conversations.replies': {
        const message = this.existing(args);
        // A parent gives the whole thread; a reply gives just itself (with its thread_ts).
        const thread = message.threadTs ? [message] : [message, ...this.replies(message.channel, message.ts)];
        return { messages: thread.map((m) => this.messageJson(m)), has_more: false, response_metadata: { next_cursor: '' } };
      }
      case 'files.getUploadURLExternal': {
        const filename = str(args.filename);
        if (!filename || !Number(args.length)) throw new ApiError('invalid_arguments');
        const file: DoubleFile = { id: this.nextId('F'), name: filename, title: filename, mimetype: 'application/octet-stream', content: Buffer.alloc(0), uploaded: false };
        this.files.set(file.id, file);
        return { upload_url: `${this.url}/upload/${file.id}`, file_id: file.id };
      }
      case 'files.completeUploadExternal': {
        const list = Array.isArray(args.files) ? (args.files as Args[]) : [];
        const files = list.map((f) => this.files.get(str(f.id) ?? ''));
        if (files.length === 0 || files.some((f) => !f || !f.uploaded)) throw new ApiError('file_not_found');
        const shared = files.filter((f): f is DoubleFile => f !== undefined);
        shared.forEach((file, i) => { file.title = str(list[i]?.title) ?? file.title; });
        const channelId = str(args.channel_id);
        if (channelId) {
          const channel = this.channel(args, 'channel_id');
          const threadTs = str(args.thread_ts);
          if (threadTs && !this.message(channel.id, threadTs)) throw new ApiError('thread_not_found');
          const message = this.insertMessage({ channel: channel.id, user: this.bot.userId, botId: this.bot.botId, text: str(args.initial_comment) ?? '', threadTs, files: shared });
          this.emit({ kind: 'posted', message });
        }
        return { files: shared.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'reactions.add': {
        const message = this.existing(args, 'timestamp');
        const name = str(args.name) ?? '';
        const users = message.reactions.get(name) ?? new Set<string>();
        if (users.has(this.bot.userId)) throw new ApiError('already_reacted');
        message.reactions.set(name, users.add(this.bot.userId));
        return {};
      }
      case 'views.open': {
        const trigger = str(args.trigger_id) ?? '';
        if (!this.triggers.has(trigger)) throw new ApiError('invalid_trigger_id');
        const view = typeof args.view === 'object' && args.view !== null ? (args.view as Args) : null;
        if (!view || view.type !== 'modal' || !Array.isArray(view.blocks)) throw new ApiError('invalid_arguments');
        const user = this.triggers.get(trigger);
        this.triggers.delete(trigger); // a trigger works once
        const opened: DoubleView = { id: this.nextId('V'), view, ...(user ? { user } : {}) };
        this.views.push(opened);
        return { view: { id: opened.id, team_id: this.team.id, ...view, state: { values: {} } } };
      }
      default:
        throw new ApiError('unknown_method');
    }
  }
}

export interface SignedResponse { status: number; headers: Record<string, string>; body: string }

/** Form body for interactivity: Slack posts `payload=<json>`. */
export function interactivityBody(payload: Record<string, unknown>): URLSearchParams {
  return new URLSearchParams({ payload: JSON.stringify(payload) });
}

/**
 * Signs and POSTs a request the way Slack does: `v0=HMAC_SHA256(secret, "v0:" + ts + ":" + body)`.
 * An object is sent as JSON (events), URLSearchParams as a form (slash commands, interactivity).
 */
export async function signedSlackRequest(
  url: string,
  secret: string,
  body: Record<string, unknown> | URLSearchParams,
  options: { timestamp?: number; signature?: string; headers?: Record<string, string> } = {},
): Promise<SignedResponse> {
  const raw = body instanceof URLSearchParams ? body.toString() : JSON.stringify(body);
  const contentType = body instanceof URLSearchParams ? 'application/x-www-form-urlencoded' : 'application/json';
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = options.signature ?? `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${raw}`).digest('hex')}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': signature, ...options.headers },
    body: raw,
  });
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
}
