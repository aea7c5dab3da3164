// Routes of the customer pages: /contact, /status, /t/<token> (and its files).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readForm, type SubmittedForm } from '../../adapters/web/forms.js';
import { contactInputFrom, submitContact, validateContact } from './contact.js';
import { contactPage, expiredPage, simplePage, statusPage, thanksPage, ticketPage, type PublicView } from './customer-pages.js';
import { customerReply, publicAttachment, publicTicketBySecret, requestStatusLink } from './public-ticket.js';
import { clientKey, csrfValid, sendPage, setFlash, takeFlash } from './request.js';
import { readStatusToken } from './status-links.js';
import { sendAttachment } from './downloads.js';
import { requestBasics, type WebContext } from './web-context.js';

export function registerCustomerRoutes(app: FastifyInstance, web: WebContext): void {
  const view = (req: FastifyRequest, reply: FastifyReply): PublicView => ({ ...requestBasics(web, req, reply), languageLinks: web.settings.language === 'auto' });
  const maxMb = Math.round(web.settings.maxAttachmentBytes / 1024 / 1024);
  const limits = { maxFileBytes: web.settings.maxAttachmentBytes, maxFiles: 10 };
  const departments = () =>
    web.settings.contactDepartments.map((id) => ({ id, name: web.config.departments.find((d) => d.id === id)?.name ?? id }));

  app.get('/contact', async (req, reply) => sendPage(reply, contactPage(view(req, reply), { config: web.config, departments: departments(), maxMb })));

  app.post('/contact', async (req, reply) => {
    const v = view(req, reply);
    const form = await readForm(req, limits);
    const input = contactInputFrom(form.fields, form.files, web.config);
    const again = (status: number, extra: { errors?: Record<string, string>; notice?: string }) =>
      sendPage(reply, contactPage(v, { config: web.config, departments: departments(), maxMb, values: { ...input, raw: form.fields }, ...extra }), status);
    if (!csrfValid(req, web.secret, form)) return again(403, { notice: v.t('common.csrf') });
    const errors = validateContact(input, web.config, web.settings.contactDepartments, v.t);
    if (form.tooLarge) errors.files = v.t('contact.err.tooLarge', { mb: maxMb });
    if (Object.keys(errors).length > 0) return again(400, { errors });
    if (!web.limits.contact.hit(clientKey(req))) return again(429, { notice: v.t('common.rateLimited') });
    // A filled honeypot is a bot: it is thanked like a person and nothing is created.
    const outcome = form.fields.website ? { number: null, email: input.email } : await submitContact(web, input, v.lang);
    setFlash(reply, web.cookies, JSON.stringify({ number: outcome.number ?? '', email: outcome.email }), true);
    return reply.redirect('/contact/thanks', 303);
  });

  app.get('/contact/thanks', async (req, reply) => {
    const v = view(req, reply);
    const flash = takeFlash(req, reply);
    let data: { number?: string; email?: string } = {};
    try {
      data = flash ? (JSON.parse(flash.text) as typeof data) : {};
    } catch {
      data = {};
    }
    if (!data.email) return reply.redirect('/contact', 303);
    return sendPage(reply, thanksPage(v, data.number || '—', data.email));
  });

  app.get('/status', async (req, reply) => sendPage(reply, statusPage(view(req, reply), {})));

  app.post('/status', async (req, reply) => {
    const v = view(req, reply);
    const form = await readForm(req, limits);
    const number = (form.fields.number ?? '').trim().replace(/^#/, '').slice(0, 64);
    const email = (form.fields.email ?? '').trim().slice(0, 254);
    if (!csrfValid(req, web.secret, form)) return sendPage(reply, statusPage(v, { number, email, notice: v.t('common.csrf') }), 403);
    const errors: Record<string, string> = {};
    if (!number) errors.number = v.t('status.err.number');
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = v.t('contact.err.email');
    if (Object.keys(errors).length > 0) return sendPage(reply, statusPage(v, { number, email, errors }), 400);
    // Over the limit the answer is the same as always, and nothing is sent.
    if (web.limits.status.hit(`client:${clientKey(req)}`)) await requestStatusLink(web, number, email, v.lang);
    return sendPage(reply, statusPage(v, { sent: v.t('status.sent', { days: web.settings.statusLinkDays }) }));
  });

  /** The ticket behind a status link, or the expired page. */
  async function withTicket(req: FastifyRequest, reply: FastifyReply, token: string) {
    const claims = readStatusToken(web.secret, token, web.tickets.now());
    const found = claims ? await publicTicketBySecret(web, claims.s) : null;
    if (!claims || !found) {
      sendPage(reply, expiredPage(view(req, reply)), 404);
      return null;
    }
    return { claims, found };
  }

  // Wildcard routes: a signed token is longer than the router allows for a `:param`.
  app.get<{ Params: { '*': string } }>('/t/*', async (req, reply) => {
    const [token = '', sub, id] = req.params['*'].split('/');
    if (sub === 'files' && id) return ticketFile(req, reply, token, Number(id));
    const v = view(req, reply);
    const t = await withTicket(req, reply, token);
    if (!t) return reply;
    const sent = takeFlash(req, reply)?.text === 'sent';
    return sendPage(reply, ticketPage(v, t.found, { token, viewerEmail: t.claims.e, sent, maxMb }));
  });

  app.post<{ Params: { '*': string } }>('/t/*', async (req, reply) => {
    const token = req.params['*'];
    const v = view(req, reply);
    const form: SubmittedForm = await readForm(req, limits);
    const t = await withTicket(req, reply, token);
    if (!t) return reply;
    const again = (status: number, error: string) => sendPage(reply, ticketPage(v, t.found, { token, viewerEmail: t.claims.e, error, maxMb }), status);
    if (!csrfValid(req, web.secret, form)) return again(403, v.t('common.csrf'));
    if (form.tooLarge) return again(413, v.t('contact.err.tooLarge', { mb: maxMb }));
    const text = (form.fields.text ?? '').trim();
    if (!text && form.files.length === 0) return again(400, v.t('contact.err.message'));
    if (!web.limits.contact.hit(clientKey(req))) return again(429, v.t('common.rateLimited'));
    await customerReply(web, t.found.ticket, t.claims.e, text, form.files);
    setFlash(reply, web.cookies, 'sent', true);
    return reply.redirect(`/t/${token}`, 303);
  });

  async function ticketFile(req: FastifyRequest, reply: FastifyReply, token: string, id: number) {
    const t = await withTicket(req, reply, token);
    if (!t) return reply;
    const file = await publicAttachment(web, t.found, id);
    if (!file?.content) return sendPage(reply, simplePage(view(req, reply), '404', view(req, reply).t('common.notFound')), 404);
    return sendAttachment(reply, file);
  }
}
