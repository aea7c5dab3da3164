// Per-request helpers shared by every page: the language, the CSRF cookie and token, flash
// messages after a redirect, and sending a page with the headers that keep it inert (a strict
// Content-Security-Policy, no referrer — status links carry a secret in their path).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';
import { chooseLanguage, isLang, translator, type Lang, type LanguageSetting, type Translate } from '../../adapters/web/i18n.js';
import type { SafeHtml } from '../../adapters/web/html.js';
import type { SubmittedForm } from '../../adapters/web/forms.js';
import { checkCsrf, csrfToken, newCookieSecret } from './tokens.js';

export const COOKIE = { csrf: 'td_csrf', lang: 'td_lang', flash: 'td_flash', session: 'td_session', login: 'td_login' } as const;

export interface RequestBasics {
  lang: Lang;
  t: Translate;
  csrf: string;
}

export interface CookiePolicy {
  secure: boolean;
}

export function cookieOptions(policy: CookiePolicy, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: policy.secure, ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) };
}

/** Language and CSRF token for this request; sets the cookies they need. */
export function basics(req: FastifyRequest, reply: FastifyReply, secret: Buffer, setting: LanguageSetting, policy: CookiePolicy): RequestBasics {
  const query = (req.query ?? {}) as Record<string, unknown>;
  let cookieLang = req.cookies[COOKIE.lang];
  if (setting.language === 'auto' && isLang(query.lang)) {
    cookieLang = query.lang;
    reply.setCookie(COOKIE.lang, query.lang, cookieOptions(policy, 365 * 24 * 3600));
  }
  const lang = chooseLanguage(setting, { acceptLanguage: req.headers['accept-language'], cookie: cookieLang });
  let csrfCookie = req.cookies[COOKIE.csrf];
  if (!csrfCookie || csrfCookie.length < 20) {
    csrfCookie = newCookieSecret();
    reply.setCookie(COOKIE.csrf, csrfCookie, cookieOptions(policy));
    // The cookie is only readable on the next request; remember it for this one's forms.
    req.cookies[COOKIE.csrf] = csrfCookie;
  }
  return { lang, t: translator(lang), csrf: csrfToken(secret, csrfCookie) };
}

export function csrfValid(req: FastifyRequest, secret: Buffer, form: SubmittedForm): boolean {
  return checkCsrf(secret, req.cookies[COOKIE.csrf], form.fields._csrf);
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function sendPage(reply: FastifyReply, page: SafeHtml, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(`<!doctype html>\n${page.value}`);
}

/** A short message for the page after a redirect (e.g. a command's answer without JavaScript). */
export function setFlash(reply: FastifyReply, policy: CookiePolicy, text: string, ok: boolean): void {
  const value = Buffer.from(JSON.stringify({ text: text.slice(0, 1500), ok })).toString('base64url');
  reply.setCookie(COOKIE.flash, value, cookieOptions(policy, 60));
}

export function takeFlash(req: FastifyRequest, reply: FastifyReply): { text: string; ok: boolean } | null {
  const value = req.cookies[COOKIE.flash];
  if (!value) return null;
  reply.clearCookie(COOKIE.flash, { path: '/' });
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { text?: unknown; ok?: unknown };
    return typeof parsed.text === 'string' ? { text: parsed.text, ok: parsed.ok === true } : null;
  } catch {
    return null;
  }
}

/** The visitor's address for rate limits. */
export const clientKey = (req: FastifyRequest): string => req.ip;

/** Language and CSRF token from the cookies as they are, setting none (event streams, fragments). */
export function peekBasics(req: FastifyRequest, secret: Buffer, setting: LanguageSetting): RequestBasics {
  const lang = chooseLanguage(setting, { acceptLanguage: req.headers['accept-language'], cookie: req.cookies[COOKIE.lang] });
  const csrfCookie = req.cookies[COOKIE.csrf];
  return { lang, t: translator(lang), csrf: csrfCookie ? csrfToken(secret, csrfCookie) : '' };
}
