// Routes of the agent console: lists, the ticket page, downloads, the agents page with its invite
// button, the captured mailbox; plus the chat endpoints of the web adapter (adapters/web/inbound).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readForm } from '../../adapters/web/forms.js';
import { registerConsoleInbound } from '../../adapters/web/inbound.js';
import { isDomainError } from '../domain/errors.js';
import { listTickets, searchTickets, type ListFilter } from '../tickets/queries.js';
import { listAgents } from './agent-store.js';
import { agentsPage, consoleTicketPage, listPage, messagePage, ticketTable, VIEWS, type ConsoleFrame, type ConsoleView } from './console-pages.js';
import { consoleAttachment, consoleTicket, liveAttachment } from './console-queries.js';
import { sendAttachment } from './downloads.js';
import { inviteAgent } from './invites.js';
import { mailboxPage, recentCapturedMails } from './mailbox.js';
import { csrfValid, sendPage, setFlash, takeFlash } from './request.js';
import { readSession, type AgentSession } from './sessions.js';
import { requestBasics, type WebContext } from './web-context.js';

export function registerConsoleRoutes(app: FastifyInstance, web: WebContext): void {
  registerConsoleInbound(app, {
    adapter: web.adapter,
    authenticate: (req) => readSession(web, req),
    checkCsrf: (req, form) => csrfValid(req, web.secret, form),
    limits: { maxFileBytes: web.settings.maxAttachmentBytes, maxFiles: 10 },
    flash: (reply, text, ok) => setFlash(reply, web.cookies, text, ok),
  });

  /** The session of a console page, or a redirect to the login. */
  async function guard(req: FastifyRequest, reply: FastifyReply): Promise<ConsoleFrame | null> {
    const basics = requestBasics(web, req, reply);
    const session = await readSession(web, req, basics);
    if (!session) {
      void reply.redirect(`/login?next=${encodeURIComponent(req.url)}`, 303);
      return null;
    }
    return { session, languageLinks: web.settings.language === 'auto', mailCaptured: web.mailCaptured, cursor: web.adapter.hub.cursor(), flash: takeFlash(req, reply) };
  }

  const readable = (s: AgentSession) =>
    web.config.departments.filter((d) => s.actor.role === 'admin' || s.actor.access[d.id]).map((d) => ({ id: d.id, name: d.name }));

  app.get<{ Querystring: { view?: string; dept?: string; q?: string; fragment?: string } }>('/console', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    const view: ConsoleView = (VIEWS as readonly string[]).includes(req.query.view ?? '') ? (req.query.view as ConsoleView) : 'unassigned';
    const departments = readable(f.session);
    const dept = departments.some((d) => d.id === req.query.dept) ? req.query.dept! : '';
    const query = (req.query.q ?? '').trim().slice(0, 200);
    let tickets = query
      ? await searchTickets(web.tickets, f.session.actor, query)
      : await listTickets(web.tickets, f.session.actor, view as ListFilter, dept || undefined);
    if (query && dept) tickets = tickets.filter((x) => x.department === dept);
    const params = new URLSearchParams({ view, ...(dept ? { dept } : {}), ...(query ? { q: query } : {}) });
    const listUrl = `/console?${params.toString()}&fragment=1`;
    if (req.query.fragment) {
      const { t, lang } = f.session.viewer;
      return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(ticketTable(tickets, t, lang).value);
    }
    return sendPage(reply, listPage(f, { view, department: dept, query, departments, tickets, listUrl }));
  });

  app.get<{ Params: { number: string } }>('/console/t/:number', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    try {
      const ct = await consoleTicket(web, f.session.actor, req.params.number);
      return sendPage(reply, consoleTicketPage(f, ct, web.config.chat.undoSeconds, web.config.chat.threadDefault));
    } catch (err) {
      if (!isDomainError(err)) throw err;
      return sendPage(reply, messagePage(f, `#${req.params.number}`, err.message), err.code === 'not_found' ? 404 : 403);
    }
  });

  app.get<{ Params: { id: string } }>('/console/attachments/:id', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    const file = await consoleAttachment(web, f.session.actor, Number(req.params.id));
    if (!file?.content) return sendPage(reply, messagePage(f, '404', f.session.viewer.t('common.notFound')), 404);
    return sendAttachment(reply, file);
  });

  app.get<{ Params: { channel: string; message: string; name: string } }>('/console/files/:channel/:message/:name', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    const file = await liveAttachment(web, f.session.actor, req.params.channel, req.params.message, req.params.name);
    if (!file?.content) return sendPage(reply, messagePage(f, '404', f.session.viewer.t('common.notFound')), 404);
    return sendAttachment(reply, file);
  });

  app.get('/console/agents', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    if (f.session.agent.role !== 'admin') return sendPage(reply, messagePage(f, f.session.viewer.t('agents.title'), f.session.viewer.t('agents.adminOnly')), 403);
    return sendPage(reply, agentsPage(f, await listAgents(web.tickets.db)));
  });

  app.post('/console/agents/invite', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    const { t } = f.session.viewer;
    const form = await readForm(req, { maxFileBytes: 0 });
    if (f.session.agent.role !== 'admin') return sendPage(reply, messagePage(f, t('agents.title'), t('agents.adminOnly')), 403);
    if (!csrfValid(req, web.secret, form)) return sendPage(reply, messagePage(f, t('agents.title'), t('common.csrf')), 403);
    try {
      const result = await inviteAgent({ db: web.tickets.db, secret: web.secret, config: web.config, publicUrl: web.publicUrl(), now: web.tickets.now() }, form.fields.email ?? '');
      web.poke();
      web.logger.info({ by: f.session.agent.email, invited: result.email }, 'web: invite sent');
      setFlash(reply, web.cookies, t('agents.invited', { email: result.email }), true);
    } catch (err) {
      if (!isDomainError(err)) throw err;
      setFlash(reply, web.cookies, err.message, false);
    }
    return reply.redirect('/console/agents', 303);
  });

  app.get('/console/mailbox', async (req, reply) => {
    const f = await guard(req, reply);
    if (!f) return reply;
    const { t } = f.session.viewer;
    // Captured mail holds every customer's messages: for admins only.
    if (f.session.agent.role !== 'admin') return sendPage(reply, messagePage(f, t('mailbox.title'), t('agents.adminOnly')), 403);
    const mails = web.mailCaptured ? await recentCapturedMails(web.tickets.db) : null;
    return sendPage(reply, mailboxPage(f, mails));
  });
}
