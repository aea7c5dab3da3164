// Who is acting: an agent resolved from an email or a platform id, with department access.
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../db/create-db.js';
import { agentIdentities, agents, departmentMembers } from '../db/schema.js';
import { DomainError } from '../domain/errors.js';
import type { Access, Actor } from '../domain/permissions.js';

/** Automatic work (mail intake, schedules) acts as the system: full access, no agent row. */
export const SYSTEM_ACTOR: Actor = {
  agentId: 0,
  email: 'system',
  name: 'threaddesk',
  role: 'admin',
  active: true,
  access: {},
};

export const isSystem = (actor: Actor): boolean => actor === SYSTEM_ACTOR || actor.agentId === 0;

type AgentRow = typeof agents.$inferSelect;

async function withAccess(q: Queryable, agent: AgentRow): Promise<Actor> {
  const rows = await q.select().from(departmentMembers).where(eq(departmentMembers.agentId, agent.id));
  const access: Record<string, Access> = {};
  for (const r of rows) access[r.departmentId] = r.access;
  return {
    agentId: agent.id,
    email: agent.email,
    name: agent.name,
    role: agent.role,
    active: agent.active && !agent.lockedAt,
    access,
  };
}

export async function actorByEmail(q: Queryable, email: string): Promise<Actor> {
  const [agent] = await q.select().from(agents).where(eq(agents.email, email.trim().toLowerCase()));
  if (!agent) throw new DomainError('not_found', `No agent with email ${email}. Agents are listed in threaddesk.yaml.`);
  return withAccess(q, agent);
}

export async function actorByPlatformId(q: Queryable, platform: string, externalId: string): Promise<Actor | null> {
  const [row] = await q
    .select({ agent: agents })
    .from(agentIdentities)
    .innerJoin(agents, eq(agents.id, agentIdentities.agentId))
    .where(and(eq(agentIdentities.platform, platform), eq(agentIdentities.externalId, externalId)));
  return row ? withAccess(q, row.agent) : null;
}

/** Remembers a platform id for an agent (e.g. a Slack user mapped by its profile email). */
export async function linkPlatformId(q: Queryable, agentId: number, platform: string, externalId: string): Promise<void> {
  await q.insert(agentIdentities).values({ agentId, platform, externalId }).onConflictDoNothing();
}

// Last activity only matters at the scale of months (seed 001 locks agents after six months
// idle), so one write per agent per minute is plenty and keeps it off every use case's path.
const TOUCH_EVERY_MS = 60_000;
const lastTouched = new Map<number, number>();

export async function touchAgent(q: Queryable, agentId: number, at: Date): Promise<void> {
  if (agentId === 0) return;
  const previous = lastTouched.get(agentId);
  if (previous !== undefined && at.getTime() - previous < TOUCH_EVERY_MS && at.getTime() >= previous) return;
  lastTouched.set(agentId, at.getTime());
  await q.update(agents).set({ lastActiveAt: at }).where(eq(agents.id, agentId));
}
