// Console sessions: a signed cookie naming the agent and a fingerprint of their password hash.
// Every request re-reads the agent, so locking or deactivating an agent, or a new password,
// ends their sessions at once.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleSession } from '../../adapters/web/inbound.js';
import type { Actor } from '../domain/permissions.js';
import { actorByEmail } from '../tickets/actors.js';
import { agentById, mayLogIn, type AgentRow } from './agent-store.js';
import { COOKIE, peekBasics, type RequestBasics } from './request.js';
import { passwordFingerprint, signToken, verifyToken } from './tokens.js';
import { setCookie, type WebContext } from './web-context.js';

export interface AgentSession extends ConsoleSession {
  agent: AgentRow;
  actor: Actor;
}

export function startSession(web: WebContext, reply: FastifyReply, agent: AgentRow & { passwordHash: string }): void {
  const hours = web.settings.sessionHours;
  const token = signToken(web.secret, 'session', { a: agent.id, f: passwordFingerprint(web.secret, agent.passwordHash) }, new Date(web.tickets.now().getTime() + hours * 3_600_000));
  setCookie(web, reply, COOKIE.session, token, hours * 3600);
}

export function endSession(reply: FastifyReply): void {
  reply.clearCookie(COOKIE.session, { path: '/' });
}

/** Channels of the departments an agent can read (null = all, for admins). */
export function channelsOf(web: WebContext, actor: Actor): ReadonlySet<string> | null {
  if (actor.role === 'admin') return null;
  const channels = web.config.departments.filter((d) => actor.access[d.id] && d.channels.web).map((d) => d.channels.web!);
  return new Set(channels);
}

export async function readSession(web: WebContext, req: FastifyRequest, basics?: RequestBasics): Promise<AgentSession | null> {
  const claims = verifyToken<{ a?: unknown; f?: unknown }>(web.secret, 'session', req.cookies[COOKIE.session], web.tickets.now());
  if (!claims || typeof claims.a !== 'number') return null;
  const agent = await agentById(web.tickets.db, claims.a);
  if (!mayLogIn(agent) || claims.f !== passwordFingerprint(web.secret, agent.passwordHash)) return null;
  const actor = await actorByEmail(web.tickets.db, agent.email);
  const b = basics ?? peekBasics(req, web.secret, web.settings);
  return {
    agent,
    actor,
    user: { userId: agent.email, displayName: agent.name },
    viewer: { userId: agent.email, lang: b.lang, t: b.t, csrf: b.csrf },
    channels: channelsOf(web, actor),
  };
}
