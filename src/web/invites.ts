// Invite links: a signed token naming the agent and the fingerprint of their password hash at
// the time of the invite. Setting a password changes the fingerprint, so the link works once;
// it also expires after `web.inviteLinkDays`. Used by `threaddesk agent invite` and the admin button.
import type { Config } from '../config/schema.js';
import type { Queryable } from '../db/create-db.js';
import { DomainError } from '../domain/errors.js';
import type { Lang } from '../../adapters/web/i18n.js';
import { agentByEmail, agentById, type AgentRow } from './agent-store.js';
import { senderFor } from './contact.js';
import { passwordFingerprint, signToken, verifyToken } from './tokens.js';
import { inviteMail, queueWebMail } from './web-mail.js';

export interface InviteDeps {
  db: Queryable;
  secret: Buffer;
  config: Config;
  publicUrl: string;
  now: Date;
}

export interface InviteResult {
  email: string;
  link: string;
  expiresAt: Date;
}

export async function inviteAgent(deps: InviteDeps, email: string): Promise<InviteResult> {
  const agent = await agentByEmail(deps.db, email);
  if (!agent) throw new DomainError('not_found', `No agent with email ${email}. Agents are listed in threaddesk.yaml.`);
  if (!agent.active || agent.lockedAt) throw new DomainError('forbidden', `Agent ${agent.email} is deactivated or locked; an admin must unlock the account first.`);
  const days = deps.config.web.inviteLinkDays;
  const expiresAt = new Date(deps.now.getTime() + days * 86_400_000);
  const token = signToken(deps.secret, 'invite', { a: agent.id, f: passwordFingerprint(deps.secret, agent.passwordHash) }, expiresAt);
  const link = `${deps.publicUrl}/invite/${token}`;
  const lang: Lang = deps.config.web.language === 'auto' ? deps.config.web.defaultLanguage : deps.config.web.language;
  const mail = inviteMail(lang, { name: agent.name, link, login: `${deps.publicUrl}/login`, days });
  const home = deps.config.departments.find((d) => d.members.some((m) => m.agent === agent.email))?.id ?? deps.config.departments[0]!.id;
  await queueWebMail(deps.db, null, { purpose: 'invite', from: senderFor(deps.config, home), to: agent.email, ...mail });
  return { email: agent.email, link, expiresAt };
}

/** The agent an invite link is for, while it is valid and unused. */
export async function agentForInvite(db: Queryable, secret: Buffer, token: string, now: Date): Promise<AgentRow | null> {
  const claims = verifyToken<{ a?: unknown; f?: unknown }>(secret, 'invite', token, now);
  if (!claims || typeof claims.a !== 'number') return null;
  const agent = await agentById(db, claims.a);
  if (!agent || !agent.active || agent.lockedAt) return null;
  return claims.f === passwordFingerprint(secret, agent.passwordHash) ? agent : null;
}
