// Agent login: password, then a one-time code by mail (seed 001 requires 2FA), both rate
// limited; logout; invite links that set a password; and the local endpoint the CLI uses for
// `agent invite` while the server holds the embedded database.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readForm, safeBack } from '../../adapters/web/forms.js';
import type { Env } from '../config/env.js';
import { readControl } from '../control-file.js';
import { isDomainError } from '../domain/errors.js';
import { linkPlatformId } from '../tickets/actors.js';
import { agentByEmail, agentById, lastWebLogin, mayLogIn, recordWebLogin, setPasswordHash } from './agent-store.js';
import { codePage, invitePage, loginPage } from './auth-pages.js';
import type { PublicView } from './customer-pages.js';
import { agentForInvite, inviteAgent } from './invites.js';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import { clientKey, COOKIE, csrfValid, sendPage, setFlash, takeFlash } from './request.js';
import { endSession, readSession, startSession } from './sessions.js';
import { checkLoginCode, codeStep, loginCode, passwordFingerprint, safeEqual, signToken, verifyToken } from './tokens.js';
import { requestBasics, setCookie, type WebContext } from './web-context.js';
import { loginCodeMail, queueWebMail } from './web-mail.js';
import { senderFor } from './contact.js';

const LOGIN_MINUTES = 10;

export function registerAuthRoutes(app: FastifyInstance, web: WebContext, env: Env): void {
  const view = (req: FastifyRequest, reply: FastifyReply): PublicView => ({ ...requestBasics(web, req, reply), languageLinks: web.settings.language === 'auto' });
  const limits = { maxFileBytes: 0 };
  const now = () => web.tickets.now();

  /** The half-finished login (password checked, code pending). */
  async function pendingLogin(req: FastifyRequest) {
    const claims = verifyToken<{ a?: unknown; f?: unknown; n?: unknown }>(web.secret, 'login', req.cookies[COOKIE.login], now());
    if (!claims || typeof claims.a !== 'number') return null;
    const agent = await agentById(web.tickets.db, claims.a);
    if (!mayLogIn(agent) || claims.f !== passwordFingerprint(web.secret, agent.passwordHash)) return null;
    return { agent, next: typeof claims.n === 'string' ? claims.n : '/console' };
  }

  app.get<{ Querystring: { next?: string } }>('/login', async (req, reply) => {
    const v = view(req, reply);
    if (await readSession(web, req)) return reply.redirect('/console', 303);
    const flash = takeFlash(req, reply);
    return sendPage(reply, loginPage(v, { next: req.query.next, notice: flash?.ok ? flash.text : undefined, error: flash && !flash.ok ? flash.text : undefined }));
  });

  app.post('/login', async (req, reply) => {
    const v = view(req, reply);
    const form = await readForm(req, limits);
    const email = (form.fields.email ?? '').trim().toLowerCase().slice(0, 254);
    const next = safeBack(form.fields.next, '/console');
    const fail = (status: number, error: string) => sendPage(reply, loginPage(v, { email, next, error }), status);
    if (!csrfValid(req, web.secret, form)) return fail(403, v.t('common.csrf'));
    const byEmail = `email:${email}`;
    const byClient = `client:${clientKey(req)}`;
    if (!web.limits.login.allowed(byEmail) || !web.limits.loginClient.allowed(byClient)) return fail(429, v.t('common.rateLimited'));
    const agent = email ? await agentByEmail(web.tickets.db, email) : null;
    // The hash is checked even for unknown or locked agents, so timing tells nothing.
    const passwordOk = await verifyPassword(form.fields.password ?? '', agent?.passwordHash ?? null);
    if (!passwordOk || !mayLogIn(agent)) {
      web.limits.login.hit(byEmail);
      web.limits.loginClient.hit(byClient);
      web.logger.info({ email, ip: req.ip }, 'web: login refused');
      return fail(401, v.t('login.wrong'));
    }
    const code = loginCode(web.secret, agent.id, agent.passwordHash, await lastWebLogin(web.tickets.db, agent.id), codeStep(now()));
    const home = web.config.departments.find((d) => d.members.some((m) => m.agent === agent.email))?.id ?? web.config.departments[0]!.id;
    await queueWebMail(web.tickets.db, null, { purpose: 'login_code', from: senderFor(web.config, home), to: agent.email, ...loginCodeMail(v.lang, code) });
    web.poke();
    if (web.mailCaptured) web.tellOperator(`threaddesk: login code for ${agent.email}: ${code} (valid ${LOGIN_MINUTES} minutes; printed here because SMTP_URL is unset)`);
    const pending = signToken(web.secret, 'login', { a: agent.id, f: passwordFingerprint(web.secret, agent.passwordHash), n: next }, new Date(now().getTime() + LOGIN_MINUTES * 60_000));
    setCookie(web, reply, COOKIE.login, pending, LOGIN_MINUTES * 60);
    return reply.redirect('/login/code', 303);
  });

  app.get('/login/code', async (req, reply) => {
    const v = view(req, reply);
    const pending = await pendingLogin(req);
    if (!pending) return reply.redirect('/login', 303);
    return sendPage(reply, codePage(v, { email: pending.agent.email, terminal: web.mailCaptured }));
  });

  app.post('/login/code', async (req, reply) => {
    const v = view(req, reply);
    const form = await readForm(req, limits);
    const pending = await pendingLogin(req);
    if (!pending) return reply.redirect('/login', 303);
    const { agent } = pending;
    const fail = (status: number, error: string) => sendPage(reply, codePage(v, { email: agent.email, error, terminal: web.mailCaptured }), status);
    if (!csrfValid(req, web.secret, form)) return fail(403, v.t('common.csrf'));
    const key = `agent:${agent.id}`;
    if (!web.limits.code.allowed(key)) return fail(429, v.t('common.rateLimited'));
    const marker = await lastWebLogin(web.tickets.db, agent.id);
    const ok = checkLoginCode(web.secret, agent.id, agent.passwordHash, marker, form.fields.code ?? '', now());
    // The compare-and-set on the login time makes the code single-use.
    if (!ok || !(await recordWebLogin(web.tickets.db, agent.id, marker, now()))) {
      web.limits.code.hit(key);
      web.logger.info({ email: agent.email, ip: req.ip }, 'web: login code refused');
      return fail(401, v.t('login.codeWrong'));
    }
    web.limits.code.reset(key);
    web.limits.login.reset(`email:${agent.email}`);
    await linkPlatformId(web.tickets.db, agent.id, 'web', agent.email);
    reply.clearCookie(COOKIE.login, { path: '/' });
    startSession(web, reply, agent);
    web.logger.info({ email: agent.email }, 'web: agent logged in');
    return reply.redirect(safeBack(pending.next, '/console'), 303);
  });

  app.post('/logout', async (req, reply) => {
    const form = await readForm(req, limits);
    if (csrfValid(req, web.secret, form)) endSession(reply);
    return reply.redirect('/login', 303);
  });

  app.get<{ Params: { '*': string } }>('/invite/*', async (req, reply) => {
    const v = view(req, reply);
    const agent = await agentForInvite(web.tickets.db, web.secret, req.params['*'], now());
    if (!agent) return sendPage(reply, invitePage(v, { token: '', name: '', invalid: true }), 404);
    return sendPage(reply, invitePage(v, { token: req.params['*'], name: `${agent.name} <${agent.email}>` }));
  });

  app.post<{ Params: { '*': string } }>('/invite/*', async (req, reply) => {
    const v = view(req, reply);
    const form = await readForm(req, limits);
    const agent = await agentForInvite(web.tickets.db, web.secret, req.params['*'], now());
    if (!agent) return sendPage(reply, invitePage(v, { token: '', name: '', invalid: true }), 404);
    const password = form.fields.password ?? '';
    const errors: Record<string, string> = {};
    if (!csrfValid(req, web.secret, form)) errors.password = v.t('common.csrf');
    else if ([...password].length < MIN_PASSWORD_LENGTH) errors.password = v.t('login.err.short');
    else if (!safeEqual(password, form.fields.repeat ?? '')) errors.repeat = v.t('login.err.mismatch');
    if (Object.keys(errors).length > 0) return sendPage(reply, invitePage(v, { token: req.params['*'], name: `${agent.name} <${agent.email}>`, errors }), 400);
    await setPasswordHash(web.tickets.db, agent.id, await hashPassword(password));
    web.logger.info({ email: agent.email }, 'web: password set through an invite link');
    setFlash(reply, web.cookies, v.t('login.passwordSet'), true);
    return reply.redirect('/login', 303);
  });

  // `threaddesk agent invite` while this server holds the embedded database (see src/cli).
  app.post<{ Body: { email?: unknown } }>('/internal/v1/web/invite', async (req, reply) => {
    const token = readControl(env)?.token;
    const given = req.headers.authorization ?? '';
    const loopback = ['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.ip);
    if (!token || !loopback || !safeEqual(given, `Bearer ${token}`)) return reply.code(401).send({ ok: false, error: { code: 'forbidden', message: 'bad control token' } });
    if (typeof req.body?.email !== 'string') return reply.code(400).send({ ok: false, error: { code: 'bad_usage', message: 'body needs "email"' } });
    try {
      const result = await inviteAgent({ db: web.tickets.db, secret: web.secret, config: web.config, publicUrl: web.publicUrl(), now: now() }, req.body.email);
      web.poke();
      return { ok: true, link: result.link, expiresAt: result.expiresAt.toISOString() };
    } catch (err) {
      if (isDomainError(err)) return reply.code(400).send({ ok: false, error: { code: err.code, message: err.message } });
      throw err;
    }
  });
}
