// The console's chat endpoints: the live event stream and what a page posts (composer, edit,
// undo, card buttons, reactions, the command box). Every form works without JavaScript (answer
// after a redirect) and with it (fetch, JSON answer); each checks the session and the CSRF token
// and refuses channels the agent cannot see.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebAdapter, WebUser } from './adapter.js';
import type { Viewer } from './format.js';
import { readForm, safeBack, type FormLimits, type SubmittedForm } from './forms.js';

export interface ConsoleSession {
  user: WebUser;
  viewer: Viewer;
  /** Channels the agent may see; null = all. */
  channels: ReadonlySet<string> | null;
}

export interface WebInboundDeps {
  adapter: WebAdapter;
  authenticate(req: FastifyRequest): Promise<ConsoleSession | null>;
  checkCsrf(req: FastifyRequest, form: SubmittedForm): boolean;
  limits: FormLimits;
  /** Keeps an answer for the page the browser is sent back to (forms without JavaScript). */
  flash?(reply: FastifyReply, text: string, ok: boolean): void;
  heartbeatMs?: number;
}

interface ThreadParams {
  channel: string;
  thread: string;
}

const wantsJson = (req: FastifyRequest) => (req.headers.accept ?? '').includes('application/json');

export function registerConsoleInbound(app: FastifyInstance, deps: WebInboundDeps): void {
  const { adapter } = deps;

  app.get<{ Querystring: { since?: string } }>('/console/events', async (req, reply) => {
    const session = await deps.authenticate(req);
    if (!session) return reply.code(401).send({ ok: false, text: 'Log in first.' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const lastId = req.headers['last-event-id'];
    const cursor = (typeof lastId === 'string' && lastId) || req.query.since;
    const unsubscribe = adapter.hub.subscribe(
      { viewer: session.viewer, channels: session.channels, send: (frame) => res.write(frame), close: () => res.end() },
      cursor,
    );
    const heartbeat = setInterval(() => res.write(': ping\n\n'), deps.heartbeatMs ?? 20_000);
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  /** Runs a console action: session, CSRF, channel access, then the action and its answer. */
  async function act(
    req: FastifyRequest,
    reply: FastifyReply,
    channelId: string | null,
    work: (session: ConsoleSession, form: SubmittedForm) => Promise<{ ok: boolean; text: string; messageId?: string } | null>,
  ) {
    const session = await deps.authenticate(req);
    const form = await readForm(req, deps.limits);
    const back = safeBack(form.fields.back, '/console');
    const answer = (status: number, ok: boolean, text: string, messageId?: string) => {
      if (wantsJson(req)) return reply.code(status).send({ ok, text, ...(messageId ? { messageId } : {}) });
      if (text) deps.flash?.(reply, text, ok);
      return reply.redirect(status === 401 ? `/login?next=${encodeURIComponent(back)}` : back, 303);
    };
    if (!session) return answer(401, false, 'Your session has ended; log in again.');
    if (!deps.checkCsrf(req, form)) return answer(403, false, session.viewer.t('common.csrf'));
    if (channelId !== null && session.channels && !session.channels.has(channelId)) return answer(403, false, 'You cannot write in this department.');
    if (form.tooLarge) return answer(413, false, session.viewer.t('contact.err.tooLarge', { mb: Math.round(deps.limits.maxFileBytes / 1024 / 1024) }));
    if (!adapter.started) return answer(503, false, session.viewer.t('common.error'));
    const result = await work(session, form);
    return answer(200, result?.ok ?? true, result?.text ?? '', result?.messageId);
  }

  app.post<{ Params: ThreadParams }>('/console/threads/:channel/:thread/messages', (req, reply) =>
    act(req, reply, req.params.channel, async (s, form) => {
      const text = (form.fields.text ?? '').trim();
      if (!text && form.files.length === 0) return { ok: false, text: s.viewer.t('contact.err.message') };
      const { answer, messageId } = await adapter.say(s.user, req.params.channel, req.params.thread, text, form.files);
      return answer ?? { ok: true, text: '', messageId };
    }),
  );

  app.post<{ Params: ThreadParams & { id: string } }>('/console/threads/:channel/:thread/messages/:id/edit', (req, reply) =>
    act(req, reply, req.params.channel, async (s, form) => {
      await adapter.editMessage(s.user, req.params.channel, req.params.thread, req.params.id, form.fields.text ?? '');
      return null;
    }),
  );

  app.post<{ Params: ThreadParams & { id: string } }>('/console/threads/:channel/:thread/messages/:id/delete', (req, reply) =>
    act(req, reply, req.params.channel, async (s) => {
      await adapter.deleteMessage(s.user, req.params.channel, req.params.thread, req.params.id);
      return null;
    }),
  );

  app.post<{ Params: ThreadParams }>('/console/threads/:channel/:thread/button', (req, reply) =>
    act(req, reply, req.params.channel, (s, form) => adapter.button(s.user, req.params.channel, req.params.thread, form.fields.verb ?? '')),
  );

  app.post<{ Params: ThreadParams }>('/console/threads/:channel/:thread/react', (req, reply) =>
    act(req, reply, req.params.channel, async (s, form) => {
      await adapter.react(s.user, req.params.channel, req.params.thread, form.fields.message ?? '', form.fields.emoji ?? '');
      return null;
    }),
  );

  // The command box outside a thread (`list mine`, `show #…`, `new …`).
  app.post('/console/command', (req, reply) =>
    act(req, reply, null, (s, form) => {
      const text = (form.fields.text ?? '').replace(/^\s*[!/]ticket\b\s*/i, '');
      return adapter.command(s.user, { channelId: form.fields.channel || 'console', text, source: 'text' });
    }),
  );
}
