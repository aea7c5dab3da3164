// What the web login needs from the database: the server secret, agents' password hashes and the
// time of each agent's last web login. Kept in existing tables (agents, checkpoints) — the secret
// and the login times are small key/value state that must survive restarts.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/create-db.js';
import { agents, checkpoints } from '../db/schema.js';
import { generatePassword, hashPassword } from './passwords.js';

const SECRET_KEY = 'web:secret';

/** The server secret, created by whichever replica starts first (the others read the same row). */
export async function loadServerSecret(q: Queryable): Promise<Buffer> {
  await q
    .insert(checkpoints)
    .values({ key: SECRET_KEY, value: { secret: randomBytes(32).toString('base64url'), createdBy: 'web' } })
    .onConflictDoNothing();
  const [row] = await q.select().from(checkpoints).where(eq(checkpoints.key, SECRET_KEY));
  const secret = row?.value.secret;
  if (typeof secret !== 'string' || secret.length < 32) throw new Error(`checkpoints row ${SECRET_KEY} holds no usable secret`);
  return Buffer.from(secret, 'base64url');
}

const secrets = new WeakMap<object, Promise<Buffer>>();

/**
 * The server secret, read once per database handle: it never changes once created, and mail
 * intake signs a status link for every new ticket.
 */
export function serverSecret(q: Queryable): Promise<Buffer> {
  let secret = secrets.get(q);
  if (!secret) {
    secret = loadServerSecret(q);
    secrets.set(q, secret);
    secret.catch(() => secrets.delete(q));
  }
  return secret;
}

export type AgentRow = typeof agents.$inferSelect;

export async function agentByEmail(q: Queryable, email: string): Promise<AgentRow | null> {
  const [row] = await q.select().from(agents).where(eq(agents.email, email.trim().toLowerCase()));
  return row ?? null;
}

export async function agentById(q: Queryable, id: number): Promise<AgentRow | null> {
  const [row] = await q.select().from(agents).where(eq(agents.id, id));
  return row ?? null;
}

export async function listAgents(q: Queryable): Promise<AgentRow[]> {
  return q.select().from(agents).orderBy(asc(agents.name), asc(agents.id));
}

/** Only an active, unlocked agent may log in or keep a session. */
export const mayLogIn = (a: AgentRow | null): a is AgentRow & { passwordHash: string } => !!a && a.active && !a.lockedAt && !!a.passwordHash;

export async function setPasswordHash(q: Queryable, agentId: number, hash: string): Promise<void> {
  await q.update(agents).set({ passwordHash: hash }).where(eq(agents.id, agentId));
}

const loginKey = (agentId: number) => `web:login:${agentId}`;

/** When the agent last logged in to the console ('' if never); part of the login code. */
export async function lastWebLogin(q: Queryable, agentId: number): Promise<string> {
  const [row] = await q.select().from(checkpoints).where(eq(checkpoints.key, loginKey(agentId)));
  return typeof row?.value.at === 'string' ? row.value.at : '';
}

/**
 * Records a login if the marker is still `expected`; false when another request used the same
 * code first (the compare-and-set makes each code single-use even across replicas).
 */
export async function recordWebLogin(q: Queryable, agentId: number, expected: string, now: Date): Promise<boolean> {
  const at = now.toISOString();
  if (expected === '') {
    const inserted = await q.insert(checkpoints).values({ key: loginKey(agentId), value: { at }, updatedAt: now }).onConflictDoNothing().returning({ key: checkpoints.key });
    if (inserted.length === 0) return false;
  } else {
    const updated = await q
      .update(checkpoints)
      .set({ value: { at }, updatedAt: now })
      .where(and(eq(checkpoints.key, loginKey(agentId)), sql`${checkpoints.value}->>'at' = ${expected}`))
      .returning({ key: checkpoints.key });
    if (updated.length === 0) return false;
  }
  await q.update(agents).set({ lastActiveAt: now }).where(eq(agents.id, agentId));
  return true;
}

/**
 * Gives every admin without a password a generated one, once: the compare-and-set on a null
 * hash means only the first start (of the first replica) gets to print it.
 */
export async function bootstrapAdminPasswords(q: Queryable): Promise<{ email: string; password: string }[]> {
  const admins = await q
    .select()
    .from(agents)
    .where(and(eq(agents.role, 'admin'), eq(agents.active, true), isNull(agents.passwordHash), isNull(agents.lockedAt)));
  const created: { email: string; password: string }[] = [];
  for (const admin of admins) {
    const password = generatePassword();
    const hash = await hashPassword(password);
    const won = await q
      .update(agents)
      .set({ passwordHash: hash })
      .where(and(eq(agents.id, admin.id), isNull(agents.passwordHash)))
      .returning({ id: agents.id });
    if (won.length > 0) created.push({ email: admin.email, password });
  }
  return created;
}
