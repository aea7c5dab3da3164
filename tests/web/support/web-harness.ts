// The web console as a chat platform for the contract suite: the real WebAdapter and its real
// HTTP endpoints on a loopback Fastify server; "people on the platform" are HTTP clients that
// post forms like the console page does and read the live event stream like its script does.
// Only the session is stubbed (a header names the user): logging in is tested elsewhere.
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ChatAttachment, ThreadRef } from '../../../adapters/chat-port.js';
import { WebAdapter } from '../../../adapters/web/adapter.js';
import { translator } from '../../../adapters/web/i18n.js';
import { registerConsoleInbound } from '../../../adapters/web/inbound.js';
import { renderLiveEvent } from '../../../adapters/web/live-render.js';
import type { ContractHarness, RenderedMessage } from '../../chat/contract.js';
import { EventStreamClient, htmlToReadable, filesInHtml } from './event-stream.js';

const CHANNEL = 'support';
const USERS = { agent: 'alice@example.test', other: 'bob@example.test' };
const SYNC = '\u0000sync:';

interface ThreadState {
  card?: RenderedMessage;
  messages: Map<string, RenderedMessage>;
}

/** What one person sees: the stream of their page, folded into cards, threads and notices. */
class Page {
  readonly threads = new Map<string, ThreadState>();
  readonly notices: RenderedMessage[] = [];
  private syncs = new Set<string>();

  constructor(readonly stream: EventStreamClient) {
    stream.onEvent((type, data) => this.apply(type, data));
  }

  private thread(key: string): ThreadState {
    let t = this.threads.get(key);
    if (!t) this.threads.set(key, (t = { messages: new Map() }));
    return t;
  }

  private apply(type: string, d: Record<string, unknown>): void {
    const key = `${String(d.channelId)}/${String(d.threadId)}`;
    const html = String(d.html ?? '');
    if (type === 'thread' || type === 'card') {
      const id = /data-id="([^"]*)"/.exec(html)?.[1] ?? '';
      this.thread(key).card = { id, text: htmlToReadable(html), pings: [], files: [] };
    } else if (type === 'post' || type === 'edit') {
      const id = String(d.id);
      const old = this.thread(key).messages.get(id);
      const files = d.bodyOnly && old ? old.files : filesInHtml(html);
      this.thread(key).messages.set(id, { id, text: htmlToReadable(html), pings: [], files });
    } else if (type === 'remove') {
      this.thread(key).messages.delete(String(d.id));
    } else if (type === 'notice') {
      const text = String(d.text);
      if (text.startsWith(SYNC)) this.syncs.add(text);
      else this.notices.push({ id: `notice-${this.notices.length}`, text, pings: [], files: [] });
    }
  }

  seen(marker: string): boolean {
    return this.syncs.has(marker);
  }
}

export interface WebHarness extends ContractHarness {
  app: FastifyInstance;
  url: string;
}

export async function createWebHarness(): Promise<WebHarness> {
  const adapter = new WebAdapter({ render: renderLiveEvent });
  const app = Fastify({ logger: false });
  await app.register(formbody);
  await app.register(multipart);
  const viewer = (userId: string) => ({ userId, lang: 'en' as const, t: translator('en'), csrf: 'test' });
  registerConsoleInbound(app, {
    adapter,
    authenticate: async (req) => {
      const userId = req.headers['x-test-user'];
      if (typeof userId !== 'string') return null;
      return { user: { userId, displayName: userId.split('@')[0]! }, viewer: viewer(userId), channels: null };
    },
    checkCsrf: () => true,
    limits: { maxFileBytes: 8 * 1024 * 1024 },
  });
  app.addHook('preClose', async () => adapter.hub.closeAll());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const pages = new Map<string, Page>();
  for (const userId of Object.values(USERS)) {
    const stream = await EventStreamClient.connect(`${url}/console/events`, { 'x-test-user': userId });
    pages.set(userId, new Page(stream));
  }
  const page = (userId: string) => pages.get(userId)!;
  let syncCounter = 0;

  /** Waits until every page has received everything published so far (events arrive in order). */
  async function caughtUp(): Promise<void> {
    await adapter.settle();
    const markers = [...pages.keys()].map((userId) => {
      const marker = `${SYNC}${++syncCounter}`;
      adapter.hub.publish({ type: 'notice', userId, channelId: '', text: marker, ok: true });
      return { userId, marker };
    });
    const deadline = Date.now() + 5000;
    while (!markers.every((m) => page(m.userId).seen(m.marker))) {
      if (Date.now() > deadline) throw new Error('the live event stream did not catch up within 5 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function send(userId: string, path: string, fields: Record<string, string>, files: ChatAttachment[] = []): Promise<Record<string, unknown>> {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    for (const f of files) body.append('files', new Blob([new Uint8Array(f.content)], { type: f.contentType }), f.filename);
    const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'x-test-user': userId, accept: 'application/json' } });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }
  const base = (thread: ThreadRef) => `/console/threads/${encodeURIComponent(thread.channelId)}/${encodeURIComponent(thread.threadId)}`;
  const keyOf = (thread: ThreadRef) => `${thread.channelId}/${thread.threadId}`;

  return {
    adapter,
    app,
    url,
    channelId: CHANNEL,
    users: USERS,
    async simulateThreadMessage(thread, userId, text, options) {
      const answer = await send(userId, `${base(thread)}/messages`, { text }, options?.files);
      return String(answer.messageId);
    },
    async simulateEdit(thread, messageId, userId, text) {
      await send(userId, `${base(thread)}/messages/${encodeURIComponent(messageId)}/edit`, { text });
    },
    async simulateDelete(thread, messageId, userId) {
      await send(userId, `${base(thread)}/messages/${encodeURIComponent(messageId)}/delete`, {});
    },
    async simulateCommand(text, options) {
      if (options.threadId) await send(options.userId, `/console/threads/${CHANNEL}/${encodeURIComponent(options.threadId)}/messages`, { text: `!ticket ${text}` });
      else await send(options.userId, '/console/command', { text, channel: CHANNEL });
    },
    async simulateReaction(thread, messageId, emoji, options) {
      await send(options.userId, `${base(thread)}/react`, { message: messageId, emoji });
    },
    async simulateButton(thread, verb, options) {
      await send(options.userId, `${base(thread)}/button`, { verb });
    },
    async threadMessages(thread) {
      await caughtUp();
      return [...(page(USERS.agent).threads.get(keyOf(thread))?.messages.values() ?? [])];
    },
    async cardOf(thread) {
      await caughtUp();
      const card = page(USERS.agent).threads.get(keyOf(thread))?.card;
      if (!card) throw new Error(`no card seen for ${keyOf(thread)}`);
      return card;
    },
    async channelMessageIds(channelId) {
      await caughtUp();
      const ids: string[] = [];
      for (const [key, t] of page(USERS.agent).threads) {
        if (!key.startsWith(`${channelId}/`)) continue;
        if (t.card) ids.push(t.card.id);
        ids.push(...t.messages.keys());
      }
      return ids;
    },
    async ephemeralsFor(userId) {
      await caughtUp();
      return [...(pages.get(userId)?.notices ?? [])];
    },
    settle: caughtUp,
    async close() {
      for (const p of pages.values()) p.stream.close();
      await app.close();
    },
  };
}
