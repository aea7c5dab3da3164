// The client-server API calls the adapter makes, on top of matrix-bot-sdk's authenticated
// `doRequest`. Each call retries through CallQueue.attempt (429s, 5xx); sends and redactions carry
// a transaction id fixed before the first attempt, so a retried call cannot post twice.
import { randomBytes } from 'node:crypto';
import { failureOf, type CallQueue } from './calls.js';
import type { Json, MatrixEvent, ThreaddeskMatrixClient } from './client.js';

const MAX_DOWNLOAD_BYTES = 100 * 1024 * 1024;
const MXC = /^mxc:\/\/([A-Za-z0-9.:[\]-]+)\/([A-Za-z0-9_-]+)$/;

const enc = encodeURIComponent;
const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);

let txnCounter = 0;
function txnId(): string {
  txnCounter += 1;
  return `td${Date.now().toString(36)}.${txnCounter}.${randomBytes(4).toString('hex')}`;
}

export class MatrixApi {
  constructor(readonly client: ThreaddeskMatrixClient, private readonly calls: CallQueue) {}

  private request<T>(label: string, method: string, path: string, qs: Json | null = null, body: unknown = null): Promise<T> {
    return this.calls.attempt(label, () => this.client.doRequest(method, path, qs, body) as Promise<T>);
  }

  /** Through the SDK, which then knows its user id without asking again. */
  whoami(): Promise<{ user_id: string; device_id?: string }> {
    return this.calls.attempt('whoami', () => this.client.getWhoAmI());
  }

  async send(roomId: string, type: string, content: Json): Promise<string> {
    const txn = txnId();
    const res = await this.request<{ event_id?: string }>(`send ${type}`, 'PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/${enc(txn)}`, null, content);
    if (!res.event_id) throw new Error(`The homeserver accepted a ${type} event in ${roomId} but returned no event id.`);
    return res.event_id;
  }

  async redact(roomId: string, eventId: string, reason?: string): Promise<void> {
    const txn = txnId();
    await this.request('redact', 'PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(eventId)}/${enc(txn)}`, null, reason ? { reason } : {});
  }

  event(roomId: string, eventId: string): Promise<MatrixEvent> {
    return this.request('get event', 'GET', `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(eventId)}`);
  }

  /** A state event's content, or null when the room has none of that type (M_NOT_FOUND). */
  async state(roomId: string, type: string, stateKey = ''): Promise<Json | null> {
    try {
      return await this.request<Json>(`state ${type}`, 'GET', `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}/${enc(stateKey)}`);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /** Events relating to `eventId` (newest first), at most `max`. */
  async relations(roomId: string, eventId: string, relType: string, eventType?: string, max = 500): Promise<MatrixEvent[]> {
    const path = `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(eventId)}/${enc(relType)}${eventType ? `/${enc(eventType)}` : ''}`;
    const out: MatrixEvent[] = [];
    let from: string | undefined;
    do {
      const page: Json = await this.request('relations', 'GET', path, { limit: Math.min(100, max), ...(from ? { from } : {}) });
      out.push(...(Array.isArray(page.chunk) ? (page.chunk as MatrixEvent[]) : []));
      from = typeof page.next_batch === 'string' ? page.next_batch : undefined;
    } while (from && out.length < max);
    return out.slice(0, max);
  }

  async joinedRooms(): Promise<string[]> {
    const res = await this.request<{ joined_rooms?: unknown }>('joined_rooms', 'GET', '/_matrix/client/v3/joined_rooms');
    return Array.isArray(res.joined_rooms) ? res.joined_rooms.map(String) : [];
  }

  join(roomIdOrAlias: string): Promise<{ room_id: string }> {
    return this.request('join', 'POST', `/_matrix/client/v3/join/${enc(roomIdOrAlias)}`, null, {});
  }

  createDirectRoom(userId: string): Promise<{ room_id: string }> {
    // No m.room.encryption in initial_state: the adapter cannot read or write encrypted rooms.
    return this.request('createRoom', 'POST', '/_matrix/client/v3/createRoom', null, {
      invite: [userId], is_direct: true, preset: 'trusted_private_chat', name: 'threaddesk',
    });
  }

  async displayName(userId: string): Promise<string | undefined> {
    try {
      const res = await this.request<Json>('profile', 'GET', `/_matrix/client/v3/profile/${enc(userId)}`);
      return typeof res.displayname === 'string' ? res.displayname : undefined;
    } catch (err) {
      if (isNotFound(err) || failureOf(err).errcode === 'M_FORBIDDEN') return undefined;
      throw err;
    }
  }

  async upload(content: Buffer, contentType: string, filename: string): Promise<string> {
    const res = await this.calls.attempt('upload', () =>
      this.client.doRequest('POST', '/_matrix/media/v3/upload', { filename }, content, 120_000, false, contentType || 'application/octet-stream') as Promise<Json>,
    );
    if (typeof res.content_uri !== 'string') throw new Error('The homeserver accepted an upload but returned no content_uri.');
    return res.content_uri;
  }

  /**
   * Downloads an mxc:// URI with the access token (authenticated media, Matrix 1.11), falling
   * back to the older unauthenticated endpoint for homeservers that do not have it yet.
   */
  async download(mxc: string): Promise<Buffer> {
    const m = MXC.exec(mxc);
    if (!m) throw new Error(`Refusing to download "${mxc}": not an mxc:// content URI.`);
    const [, server = '', mediaId = ''] = m;
    const fetchFrom = (path: string) =>
      this.calls.attempt('download', () => this.client.doRequest('GET', path, { allow_redirect: true }, null, 120_000, true, undefined, true) as Promise<{ body: unknown; headers: Json }>);
    let res: { body: unknown; headers: Json };
    try {
      res = await fetchFrom(`/_matrix/client/v1/media/download/${enc(server)}/${enc(mediaId)}`);
    } catch (err) {
      const f = failureOf(err);
      if (f.errcode !== 'M_UNRECOGNIZED' && !(f.status === 404 && !f.errcode)) throw err;
      res = await fetchFrom(`/_matrix/media/v3/download/${enc(server)}/${enc(mediaId)}`);
    }
    const body = Buffer.isBuffer(res.body) ? res.body : Buffer.from(String(res.body ?? ''));
    if (body.length > MAX_DOWNLOAD_BYTES) throw new Error(`A Matrix file of ${body.length} bytes is over the ${MAX_DOWNLOAD_BYTES}-byte limit.`);
    return body;
  }
}

export function isNotFound(err: unknown): boolean {
  const f = failureOf(err);
  return f.errcode === 'M_NOT_FOUND' || (f.status === 404 && !f.errcode);
}

export { asObj };
