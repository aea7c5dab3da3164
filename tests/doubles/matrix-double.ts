// A wire-level double of a Matrix homeserver: a real HTTP server on 127.0.0.1 that the real
// matrix-bot-sdk talks to, speaking the client-server API v3 (and v1 relations/media) as the SDK
// and our adapter call it. It keeps users, rooms (timeline + current state), a global stream
// position for /sync since-tokens with a bounded long poll, transaction-id idempotency, media,
// relations, account data and profiles; records every call; and can answer 429 M_LIMIT_EXCEEDED
// with retry_after_ms (or 5xx) on request. People (other users) act through inject()/redact();
// the Element-like shapes of what they send are built in tests/chat/matrix-people.ts.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Json = Record<string, unknown>;
export type MxEvent = { event_id: string; room_id: string; sender: string; type: string; content: Json; origin_server_ts: number; state_key?: string; redacts?: string; unsigned?: Json };
export interface StoredEvent { pos: number; event: MxEvent; redacted: boolean; txn?: { token: string; id: string } }
export interface DoubleUser { userId: string; displayName?: string; password: string; accessToken: string }
export interface DoubleRoom { roomId: string; alias?: string; isDirect: boolean; events: StoredEvent[]; state: Map<string, MxEvent> }
export interface DoubleMedia { content: Buffer; contentType: string; filename?: string }
export interface RecordedCall { method: string; route: string; path: string; status: number; at: number; userId?: string }
/** `afterProcessing`: the call takes effect, then its answer is lost (a 500 instead), as on a dropped connection. */
export interface Fault { status: 429 | 500 | 502; retryAfterMs?: number; afterProcessing?: boolean }
export type CallFilter = (call: { method: string; route: string; path: string }) => boolean;
type Membership = 'join' | 'invite' | 'leave';

export const SERVER_NAME = 'double.test';
class MxError extends Error {
  constructor(readonly status: number, readonly errcode: string, message: string) { super(message); }
}
const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const token = (pos: number) => `s${pos}`;
function parseToken(value: string | null): number | null {
  if (value === null) return null;
  const m = /^s(\d+)$/.exec(value);
  if (!m) throw new MxError(400, 'M_INVALID_PARAM', `Unknown token ${value}`);
  return Number(m[1]);
}

export class MatrixDouble {
  readonly calls: RecordedCall[] = [];
  readonly users = new Map<string, DoubleUser>();
  readonly rooms = new Map<string, DoubleRoom>();
  readonly media = new Map<string, DoubleMedia>();
  readonly bot: DoubleUser;
  /** Global stream position: every event and account-data change moves it by one. */
  position = 0;
  /** Upper bound for one long poll, whatever timeout the client asks for. */
  maxLongPollMs = 10_000;
  /** Events per room in one /sync when the filter does not say (Synapse's default). */
  defaultTimelineLimit = 10;
  maxUploadBytes = 10 * 1024 * 1024;
  private readonly txns = new Map<string, string>();
  private readonly accountData = new Map<string, { pos: number; type: string; content: Json }>();
  private readonly syncs = new Map<string, { since: number | null; waiting: boolean }>();
  private readonly waiters = new Set<() => void>();
  private rules: Array<{ remaining: number; fault: Fault; filter?: CallFilter }> = [];
  private counter = 0;

  private constructor(private readonly server: http.Server, readonly url: string) {
    this.bot = this.addUser('threaddesk', 'threaddesk');
  }

  static async start(): Promise<MatrixDouble> {
    const holder: { double?: MatrixDouble } = {};
    const server = http.createServer((req, res) => void holder.double?.handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.double = new MatrixDouble(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return holder.double;
  }

  async close(): Promise<void> {
    for (const wake of this.waiters) wake();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- set-up, people, faults and inspection --------------------------------------------------
  addUser(localpart: string, displayName?: string): DoubleUser {
    const user: DoubleUser = { userId: `@${localpart}:${SERVER_NAME}`, displayName, password: `pw-${localpart}`, accessToken: `syt_${localpart}_${randomBytes(6).toString('hex')}` };
    this.users.set(user.userId, user);
    return user;
  }

  /** A room created by `members[0]`; `bot` says where the bot stands in it. */
  addRoom(o: { roomId?: string; name?: string; alias?: string; members: string[]; bot?: Membership | 'none'; encrypted?: boolean; isDirect?: boolean; public?: boolean }): DoubleRoom {
    const roomId = o.roomId ?? `!${randomBytes(6).toString('hex')}:${SERVER_NAME}`;
    const room: DoubleRoom = { roomId, isDirect: o.isDirect ?? false, events: [], state: new Map(), ...(o.alias ? { alias: o.alias } : {}) };
    this.rooms.set(roomId, room);
    const creator = o.members[0] ?? this.bot.userId;
    this.append(roomId, creator, 'm.room.create', { creator, room_version: '10' }, { stateKey: '' });
    this.append(roomId, creator, 'm.room.join_rules', { join_rule: o.public ? 'public' : 'invite' }, { stateKey: '' });
    this.append(roomId, creator, 'm.room.history_visibility', { history_visibility: 'shared' }, { stateKey: '' });
    if (o.name) this.append(roomId, creator, 'm.room.name', { name: o.name }, { stateKey: '' });
    if (o.encrypted) this.append(roomId, creator, 'm.room.encryption', { algorithm: 'm.megolm.v1.aes-sha2' }, { stateKey: '' });
    for (const member of o.members) this.setMembership(roomId, creator, member, 'join');
    const bot = o.bot ?? 'join';
    if (bot !== 'none' && !o.members.includes(this.bot.userId)) this.setMembership(roomId, creator, this.bot.userId, bot);
    return room;
  }

  setMembership(roomId: string, by: string, userId: string, membership: Membership, extra: Json = {}): void {
    const displayname = this.users.get(userId)?.displayName;
    this.append(roomId, by, 'm.room.member', { membership, ...(displayname ? { displayname } : {}), ...extra }, { stateKey: userId });
  }

  membership(roomId: string, userId: string): Membership | undefined {
    return this.rooms.get(roomId)?.state.get(`m.room.member\u0000${userId}`)?.content.membership as Membership | undefined;
  }

  /** An event sent by a person (any client); returns its id. */
  inject(sender: string, roomId: string, type: string, content: Json): string {
    return this.append(roomId, sender, type, content).event.event_id;
  }

  redact(sender: string, roomId: string, eventId: string, reason?: string): string {
    return this.append(roomId, sender, 'm.room.redaction', { redacts: eventId, ...(reason ? { reason } : {}) }, { redacts: eventId }).event.event_id;
  }

  addMedia(content: Buffer, contentType: string, filename?: string): string {
    const id = randomBytes(8).toString('hex');
    this.media.set(id, { content, contentType, ...(filename ? { filename } : {}) });
    return `mxc://${SERVER_NAME}/${id}`;
  }

  mediaOf(mxc: string): DoubleMedia | undefined {
    return this.media.get(mxc.split('/').pop() ?? '');
  }

  /** The next `count` calls matching `filter` fail with `fault`. */
  failNext(count: number, fault: Fault, filter?: CallFilter): void {
    this.rules.push({ remaining: count, fault, ...(filter ? { filter } : {}) });
  }

  clearFaults(): void { this.rules = []; }
  callsTo(route: string): RecordedCall[] { return this.calls.filter((c) => c.route === route); }
  event(roomId: string, eventId: string): StoredEvent | undefined { return this.rooms.get(roomId)?.events.find((s) => s.event.event_id === eventId); }
  timeline(roomId: string): StoredEvent[] { return this.rooms.get(roomId)?.events ?? []; }

  /** The content a reader sees: the latest edit by the same sender applied; undefined when redacted. */
  visibleContent(roomId: string, eventId: string): Json | undefined {
    const original = this.event(roomId, eventId);
    if (!original || original.redacted) return undefined;
    const edits = this.timeline(roomId).filter((s) => {
      const rel = asObj(s.event.content['m.relates_to']);
      return !s.redacted && s.event.sender === original.event.sender && rel?.rel_type === 'm.replace' && rel.event_id === eventId;
    });
    return asObj(edits.at(-1)?.event.content['m.new_content']) ?? original.event.content;
  }

  /** True when `userId`'s client asked for everything after the newest event and is waiting. */
  caughtUp(userId: string): boolean {
    const s = this.syncs.get(userId);
    return s?.waiting === true && s.since === this.position;
  }

  // ---- events -----------------------------------------------------------------------------------
  private append(roomId: string, sender: string, type: string, content: Json, o: { stateKey?: string; redacts?: string; txn?: { token: string; id: string } } = {}): StoredEvent {
    const room = this.rooms.get(roomId);
    if (!room) throw new MxError(404, 'M_NOT_FOUND', `Unknown room ${roomId}`);
    this.counter += 1;
    const event: MxEvent = {
      event_id: `$${this.counter}${randomBytes(9).toString('base64url')}`, room_id: roomId, sender, type, content, origin_server_ts: Date.now(),
      ...(o.stateKey !== undefined ? { state_key: o.stateKey } : {}), ...(o.redacts ? { redacts: o.redacts } : {}),
    };
    const stored: StoredEvent = { pos: ++this.position, event, redacted: false, ...(o.txn ? { txn: o.txn } : {}) };
    if (o.stateKey !== undefined) room.state.set(`${type}\u0000${o.stateKey}`, event);
    if (o.redacts) {
      const target = room.events.find((s) => s.event.event_id === o.redacts);
      // The redaction algorithm keeps no content keys of messages, reactions or relations.
      if (target && target.event.state_key === undefined) Object.assign(target, { redacted: true, event: { ...target.event, content: {}, unsigned: { redacted_because: event } } });
    }
    room.events.push(stored);
    this.wake();
    return stored;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private render(s: StoredEvent, user: DoubleUser): MxEvent {
    const unsigned: Json = { ...s.event.unsigned, age: Date.now() - s.event.origin_server_ts };
    if (s.txn && s.txn.token === user.accessToken) unsigned.transaction_id = s.txn.id;
    const children = this.timeline(s.event.room_id).filter((c) => !c.redacted && asObj(c.event.content['m.relates_to'])?.rel_type === 'm.thread' && asObj(c.event.content['m.relates_to'])?.event_id === s.event.event_id);
    if (children.length > 0) unsigned['m.relations'] = { 'm.thread': { count: children.length, latest_event: children.at(-1)!.event, current_user_participated: children.some((c) => c.event.sender === user.userId) } };
    return { ...s.event, unsigned };
  }

  // ---- HTTP ---------------------------------------------------------------------------------------
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const path = url.pathname.split('/').map((p) => decodeURIComponent(p)).join('/');
    const call: RecordedCall = { method, route: '(unknown)', path, status: 200, at: Date.now() };
    this.calls.push(call);
    const send = (status: number, body: Json | Buffer, headers: Record<string, string> = {}) => {
      call.status = status;
      const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': String(raw.length) });
      res.end(raw);
    };
    try {
      const state = { lostAnswer: false };
      const out = await this.route(method, url, Buffer.concat(chunks), req.headers, call, state);
      if (state.lostAnswer) throw new MxError(500, 'M_UNKNOWN', 'Internal server error (the change was made)');
      if (Buffer.isBuffer(out.body)) send(200, out.body, out.headers);
      else send(200, out.body);
    } catch (err) {
      if (err instanceof MxError) {
        const retry = err.errcode === 'M_LIMIT_EXCEEDED' ? Number(err.message) : undefined;
        send(err.status, { errcode: err.errcode, error: retry !== undefined ? 'Too Many Requests' : err.message, ...(retry !== undefined ? { retry_after_ms: retry } : {}) },
          retry !== undefined ? { 'retry-after': String(Math.ceil(retry / 1000)) } : {});
      } else send(500, { errcode: 'M_UNKNOWN', error: `matrix double crashed: ${err instanceof Error ? err.stack : String(err)}` });
    }
  }

  private auth(url: URL, headers: http.IncomingHttpHeaders): DoubleUser {
    const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token');
    if (!bearer) throw new MxError(401, 'M_MISSING_TOKEN', 'Missing access token');
    const user = [...this.users.values()].find((u) => u.accessToken === bearer);
    if (!user) throw new MxError(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.');
    return user;
  }

  private joinedRoom(roomId: string, user: DoubleUser): DoubleRoom {
    const room = this.rooms.get(roomId);
    if (!room || this.membership(roomId, user.userId) !== 'join') throw new MxError(403, 'M_FORBIDDEN', `User ${user.userId} not in room ${roomId}`);
    return room;
  }

  private async route(method: string, url: URL, raw: Buffer, headers: http.IncomingHttpHeaders, call: RecordedCall, state: { lostAnswer: boolean }): Promise<{ body: Json | Buffer; headers?: Record<string, string> }> {
    const p = url.pathname;
    const seg = (re: RegExp) => re.exec(p)?.slice(1).map((s) => decodeURIComponent(s ?? ''));
    const json = (): Json => (raw.length > 0 && !/upload/.test(p) ? (JSON.parse(raw.toString('utf8')) as Json) : {});
    const named = (route: string) => {
      call.route = route;
      const rule = this.rules.find((r) => r.remaining > 0 && (!r.filter || r.filter({ method, route, path: call.path })));
      if (!rule) return;
      rule.remaining -= 1;
      if (rule.fault.afterProcessing) {
        state.lostAnswer = true;
        return;
      }
      if (rule.fault.status === 429) throw new MxError(429, 'M_LIMIT_EXCEEDED', String(rule.fault.retryAfterMs ?? 100));
      throw new MxError(rule.fault.status, 'M_UNKNOWN', 'Internal server error');
    };
    type Out = { body: Json | Buffer; headers?: Record<string, string> };
    // The fault check runs first, so a refused call changes nothing.
    const ok = async (route: string, make: () => Json | Promise<Json>): Promise<Out> => {
      named(route);
      return { body: await make() };
    };
    const file = (route: string, make: () => Out): Out => {
      named(route);
      return make();
    };
    const C = '^/_matrix/client/v3';
    const R = `${C}/rooms/([^/]+)`;
    let m: string[] | undefined;

    if (method === 'POST' && p === '/_matrix/client/v3/login') return ok('login', () => this.login(json()));
    if (method === 'GET' && (m = seg(/^\/_matrix\/media\/v3\/download\/([^/]+)\/([^/]+)/))) return file('download', () => this.download(m![1]!, m![0]!));
    const user = this.auth(url, headers);
    call.userId = user.userId;

    if (method === 'GET' && p === '/_matrix/client/v3/account/whoami') return ok('whoami', () => ({ user_id: user.userId, device_id: 'DOUBLEDEVICE', is_guest: false }));
    if (method === 'GET' && p === '/_matrix/client/v3/sync') return ok('sync', () => this.sync(user, url));
    if (method === 'GET' && p === '/_matrix/client/v3/joined_rooms') return ok('joined_rooms', () => ({ joined_rooms: [...this.rooms.keys()].filter((r) => this.membership(r, user.userId) === 'join') }));
    if (method === 'POST' && (m = seg(new RegExp(`${C}/join/([^/]+)$`)) ?? seg(new RegExp(`${R}/join$`)))) return ok('join', () => this.join(user, m![0]!));
    if (method === 'POST' && p === '/_matrix/client/v3/createRoom') return ok('createRoom', () => this.createRoom(user, json()));
    // A transaction id seen before (per access token) returns the same event and changes nothing.
    const once = (txn: string, make: () => string): Json => {
      const key = `${user.accessToken}|${txn}`;
      this.txns.set(key, this.txns.get(key) ?? make());
      return { event_id: this.txns.get(key) };
    };
    if (method === 'PUT' && (m = seg(new RegExp(`${R}/send/([^/]+)/([^/]+)$`)))) {
      const [roomId = '', type = '', txn = ''] = m;
      return ok('send', () => {
        this.joinedRoom(roomId, user);
        return once(txn, () => this.append(roomId, user.userId, type, json(), { txn: { token: user.accessToken, id: txn } }).event.event_id);
      });
    }
    if (method === 'PUT' && (m = seg(new RegExp(`${R}/redact/([^/]+)/([^/]+)$`)))) {
      const [roomId = '', eventId = '', txn = ''] = m;
      return ok('redact', () => {
        this.joinedRoom(roomId, user);
        return once(txn, () => this.redact(user.userId, roomId, eventId, json().reason as string | undefined));
      });
    }
    const found = <T>(value: T | undefined): T => {
      if (value === undefined) throw new MxError(404, 'M_NOT_FOUND', 'Event not found.');
      return value;
    };
    if (method === 'GET' && (m = seg(new RegExp(`${R}/event/([^/]+)$`)))) {
      const [roomId = '', eventId = ''] = m;
      return ok('event', () => {
        this.joinedRoom(roomId, user);
        return this.render(found(this.event(roomId, eventId)), user);
      });
    }
    if (method === 'GET' && (m = seg(new RegExp(`${R}/state/([^/]+)(?:/([^/]*))?$`)))) {
      const [roomId = '', type = '', key = ''] = m;
      return ok('state', () => found(this.joinedRoom(roomId, user).state.get(`${type}\u0000${key}`)).content);
    }
    if (method === 'GET' && (m = seg(new RegExp(`${R}/messages$`)))) return ok('messages', () => this.messages(user, m![0]!, url));
    if (method === 'GET' && (m = seg(/^\/_matrix\/client\/v1\/rooms\/([^/]+)\/relations\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/))) return ok('relations', () => this.relations(user, m!, url));
    if ((m = seg(new RegExp(`${C}/user/([^/]+)/account_data/([^/]+)$`)))) {
      named('account_data');
      if (m[0] !== user.userId) throw new MxError(403, 'M_FORBIDDEN', 'Cannot access account data of other users');
      const key = `${user.userId}|${m[1]}`;
      if (method === 'PUT') {
        this.accountData.set(key, { pos: ++this.position, type: m[1]!, content: json() });
        this.wake();
        return { body: {} };
      }
      const data = this.accountData.get(key);
      if (!data) throw new MxError(404, 'M_NOT_FOUND', 'Account data not found');
      return { body: data.content };
    }
    if (method === 'GET' && (m = seg(new RegExp(`${C}/profile/([^/]+)(?:/displayname)?$`)))) {
      named('profile');
      const who = this.users.get(m[0]!);
      if (!who) throw new MxError(404, 'M_NOT_FOUND', 'Profile was not found');
      return { body: who.displayName ? { displayname: who.displayName } : {} };
    }
    if (method === 'GET' && (m = seg(new RegExp(`${C}/directory/room/([^/]+)$`)))) {
      named('directory');
      const room = [...this.rooms.values()].find((r) => r.alias === m![0]);
      if (!room) throw new MxError(404, 'M_NOT_FOUND', `Room alias ${m[0]} not found`);
      return { body: { room_id: room.roomId, servers: [SERVER_NAME] } };
    }
    if (method === 'POST' && p === '/_matrix/media/v3/upload') {
      named('upload');
      if (raw.length > this.maxUploadBytes) throw new MxError(413, 'M_TOO_LARGE', 'Upload request body is too large');
      return { body: { content_uri: this.addMedia(raw, String(headers['content-type'] ?? 'application/octet-stream'), url.searchParams.get('filename') ?? undefined) } };
    }
    if (method === 'GET' && (m = seg(/^\/_matrix\/client\/v1\/media\/download\/([^/]+)\/([^/]+)/))) return file('download', () => this.download(m![1]!, m![0]!));
    named('(unknown)');
    throw new MxError(404, 'M_UNRECOGNIZED', 'Unrecognized request');
  }

  private login(body: Json): Json {
    const id = asObj(body.identifier);
    const name = typeof id?.user === 'string' ? id.user : typeof body.user === 'string' ? body.user : '';
    const user = this.users.get(name.startsWith('@') ? name : `@${name}:${SERVER_NAME}`);
    if (body.type !== 'm.login.password' || !user || user.password !== body.password) throw new MxError(403, 'M_FORBIDDEN', 'Invalid username or password');
    return { user_id: user.userId, access_token: user.accessToken, device_id: 'DOUBLEDEVICE', home_server: SERVER_NAME };
  }

  private download(mediaId: string, server: string): { body: Buffer; headers: Record<string, string> } {
    const media = server === SERVER_NAME ? this.media.get(mediaId) : undefined;
    if (!media) throw new MxError(404, 'M_NOT_FOUND', 'Not found');
    return { body: media.content, headers: { 'content-type': media.contentType, ...(media.filename ? { 'content-disposition': `attachment; filename="${media.filename}"` } : {}) } };
  }

  private join(user: DoubleUser, roomIdOrAlias: string): Json {
    const room = roomIdOrAlias.startsWith('#') ? [...this.rooms.values()].find((r) => r.alias === roomIdOrAlias) : this.rooms.get(roomIdOrAlias);
    if (!room) throw new MxError(404, 'M_NOT_FOUND', 'No known servers');
    const current = this.membership(room.roomId, user.userId);
    const isPublic = room.state.get('m.room.join_rules\u0000')?.content.join_rule === 'public';
    if (current !== 'join') {
      if (current !== 'invite' && !isPublic) throw new MxError(403, 'M_FORBIDDEN', 'You are not invited to this room.');
      this.setMembership(room.roomId, user.userId, user.userId, 'join');
    }
    return { room_id: room.roomId };
  }

  private createRoom(user: DoubleUser, body: Json): Json {
    const invite = Array.isArray(body.invite) ? body.invite.map(String) : [];
    const room = this.addRoom({ members: [user.userId], bot: 'none', isDirect: body.is_direct === true, ...(typeof body.name === 'string' ? { name: body.name } : {}) });
    for (const s of Array.isArray(body.initial_state) ? body.initial_state.map((x) => asObj(x) ?? {}) : []) {
      this.append(room.roomId, user.userId, String(s.type), asObj(s.content) ?? {}, { stateKey: String(s.state_key ?? '') });
    }
    for (const userId of invite) this.setMembership(room.roomId, user.userId, userId, 'invite', body.is_direct === true ? { is_direct: true } : {});
    return { room_id: room.roomId };
  }

  private messages(user: DoubleUser, roomId: string, url: URL): Json {
    const room = this.joinedRoom(roomId, user);
    const dir = url.searchParams.get('dir') === 'f' ? 'f' : 'b';
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 10) || 10, 1000);
    const from = parseToken(url.searchParams.get('from')) ?? (dir === 'b' ? this.position : 0);
    const to = parseToken(url.searchParams.get('to'));
    const candidates = dir === 'b'
      ? room.events.filter((s) => s.pos <= from && (to === null || s.pos > to)).reverse()
      : room.events.filter((s) => s.pos > from && (to === null || s.pos <= to));
    const chunk = candidates.slice(0, limit);
    const last = chunk.at(-1);
    const end = candidates.length > limit && last ? token(dir === 'b' ? last.pos - 1 : last.pos) : undefined;
    return { chunk: chunk.map((s) => this.render(s, user)), start: token(from), ...(end ? { end } : {}) };
  }

  private relations(user: DoubleUser, m: string[], url: URL): Json {
    const [roomId = '', eventId, relType, eventType] = m;
    const room = this.joinedRoom(roomId, user);
    const all = room.events.filter((s) => {
      const rel = asObj(s.event.content['m.relates_to']);
      return !s.redacted && rel?.event_id === eventId && (!relType || rel?.rel_type === relType) && (!eventType || s.event.type === eventType);
    });
    const ordered = url.searchParams.get('dir') === 'f' ? all : [...all].reverse();
    const offset = Number(/^r(\d+)$/.exec(url.searchParams.get('from') ?? '')?.[1] ?? 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 50) || 50, 100);
    const page = ordered.slice(offset, offset + limit);
    return { chunk: page.map((s) => this.render(s, user)), ...(offset + limit < ordered.length ? { next_batch: `r${offset + limit}` } : {}) };
  }

  private async sync(user: DoubleUser, url: URL): Promise<Json> {
    const since = parseToken(url.searchParams.get('since'));
    const timeout = Math.min(Math.max(Number(url.searchParams.get('timeout') ?? 0) || 0, 0), this.maxLongPollMs);
    let limit = this.defaultTimelineLimit;
    try {
      const filter = asObj(JSON.parse(url.searchParams.get('filter') ?? 'null'));
      const l = asObj(asObj(filter?.room)?.timeline)?.limit;
      if (typeof l === 'number' && l > 0) limit = l;
    } catch {
      // a filter id, not inline JSON: keep the default
    }
    const state = { since, waiting: false };
    this.syncs.set(user.userId, state);
    let body = this.buildSync(user, since, limit);
    if (since !== null && body.empty && timeout > 0) {
      state.waiting = true;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeout);
        this.waiters.add(done);
      });
      state.waiting = false;
      body = this.buildSync(user, since, limit);
    }
    return body.response;
  }

  private buildSync(user: DoubleUser, since: number | null, limit: number): { empty: boolean; response: Json } {
    const join: Json = {};
    const invite: Json = {};
    for (const room of this.rooms.values()) {
      const membership = this.membership(room.roomId, user.userId);
      const fresh = room.events.filter((s) => since === null || s.pos > since);
      if (membership === 'join' && fresh.length > 0) {
        const timeline = fresh.slice(-limit);
        join[room.roomId] = {
          timeline: { events: timeline.map((s) => this.render(s, user)), limited: fresh.length > limit, prev_batch: token(timeline[0]!.pos - 1) },
          state: { events: since === null ? [...room.state.values()] : [] }, account_data: { events: [] }, ephemeral: { events: [] },
        };
      } else if (membership === 'invite' && fresh.some((s) => s.event.type === 'm.room.member' && s.event.state_key === user.userId)) {
        const stripped = [...room.state.values()].filter((e) => ['m.room.create', 'm.room.name', 'm.room.join_rules', 'm.room.encryption'].includes(e.type) || e.state_key === user.userId);
        invite[room.roomId] = { invite_state: { events: stripped.map((e) => ({ type: e.type, state_key: e.state_key, sender: e.sender, content: e.content })) } };
      }
    }
    const accountData = [...this.accountData.entries()]
      .filter(([key, data]) => key.startsWith(`${user.userId}|`) && (since === null || data.pos > since))
      .map(([, data]) => ({ type: data.type, content: data.content }));
    const empty = Object.keys(join).length === 0 && Object.keys(invite).length === 0 && accountData.length === 0;
    return { empty, response: { next_batch: token(this.position), rooms: { join, invite, leave: {} }, account_data: { events: accountData }, presence: { events: [] } } };
  }
}
