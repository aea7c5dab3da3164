// Everything the web pages share, built once when the capability starts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebAdapter } from '../../adapters/web/adapter.js';
import type { LanguageSetting } from '../../adapters/web/i18n.js';
import type { Config } from '../config/schema.js';
import type { TicketContext } from '../tickets/context.js';
import { RateLimiter } from './rate-limit.js';
import { basics, cookieOptions, type CookiePolicy, type RequestBasics } from './request.js';

export interface WebSettings extends LanguageSetting {
  statusLinkDays: number;
  inviteLinkDays: number;
  sessionHours: number;
  maxAttachmentBytes: number;
  /** Departments the contact form offers, in config order. */
  contactDepartments: string[];
  team: string;
}

export interface WebContext {
  tickets: TicketContext;
  config: Config;
  settings: WebSettings;
  secret: Buffer;
  logger: Logger;
  adapter: WebAdapter;
  cookies: CookiePolicy;
  /** True when SMTP_URL is unset: mail is captured locally, not sent. */
  mailCaptured: boolean;
  limits: {
    /** Failed password attempts per address. */
    login: RateLimiter;
    /** Failed password attempts per client (higher: an office shares one address). */
    loginClient: RateLimiter;
    /** Code attempts per agent. */
    code: RateLimiter;
    /** Contact form submissions per client. */
    contact: RateLimiter;
    /** Status-link requests per client and per ticket. */
    status: RateLimiter;
  };
  /** Base of links in mails (config mail.publicUrl, else http://localhost:PORT); no trailing slash. */
  publicUrl(): string;
  /** Wakes the outbox worker so a mail goes out now. */
  poke(): void;
  /** A line for the operator's terminal (login codes while mail is only captured). */
  tellOperator(line: string): void;
}

export function webSettings(config: Config): WebSettings {
  const w = config.web;
  const contact = w.contactDepartments ?? config.departments.filter((d) => !d.muted).map((d) => d.id);
  return {
    language: w.language,
    defaultLanguage: w.defaultLanguage,
    statusLinkDays: w.statusLinkDays,
    inviteLinkDays: w.inviteLinkDays,
    sessionHours: w.sessionHours,
    maxAttachmentBytes: Math.round(w.maxAttachmentMb * 1024 * 1024),
    contactDepartments: contact,
    team: w.teamName ?? config.departments[0]?.name ?? 'threaddesk',
  };
}

export function webLimits(): WebContext['limits'] {
  return {
    login: new RateLimiter(10, 15 * 60_000),
    loginClient: new RateLimiter(50, 15 * 60_000),
    code: new RateLimiter(5, 10 * 60_000),
    contact: new RateLimiter(10, 60 * 60_000),
    status: new RateLimiter(5, 60 * 60_000),
  };
}

export function requestBasics(web: WebContext, req: FastifyRequest, reply: FastifyReply): RequestBasics {
  return basics(req, reply, web.secret, web.settings, web.cookies);
}

export function setCookie(web: WebContext, reply: FastifyReply, name: string, value: string, maxAgeSeconds?: number): void {
  reply.setCookie(name, value, cookieOptions(web.cookies, maxAgeSeconds));
}
