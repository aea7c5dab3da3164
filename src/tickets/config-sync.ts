// Departments, agents, memberships, help topics and fields follow threaddesk.yaml on every start.
// Idempotent; nothing is ever deleted that history points at: a removed agent, department or
// topic is deactivated.
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/create-db.js';
import { agentIdentities, agents, departmentMembers, departments, helpTopicFields, helpTopics } from '../db/schema.js';
import type { Config } from '../config/schema.js';

const PLATFORMS = ['slack', 'matrix', 'discord'] as const;

export async function syncConfig(db: Db, config: Config): Promise<void> {
  await db.transaction(async (tx) => {
    // Replicas starting together take turns instead of racing on the same rows.
    await tx.execute(sql`select pg_advisory_xact_lock(7404261101)`);
    for (const d of config.departments) {
      const values = { name: d.name, emails: d.emails, muted: d.muted, internal: d.internal, channels: d.channels as Record<string, string>, active: true };
      await tx.insert(departments).values({ id: d.id, ...values }).onConflictDoUpdate({ target: departments.id, set: values });
    }
    const deptIds = config.departments.map((d) => d.id);
    await tx.update(departments).set({ active: false }).where(notInArray(departments.id, deptIds));

    const agentIds = new Map<string, number>();
    for (const a of config.agents) {
      const values = { name: a.name, role: a.role, active: true };
      const [row] = await tx.insert(agents).values({ email: a.email, ...values }).onConflictDoUpdate({ target: agents.email, set: values }).returning({ id: agents.id });
      agentIds.set(a.email, row!.id);
      for (const platform of PLATFORMS) {
        const externalId = a[platform];
        if (!externalId) continue;
        // An id moves with the config: whoever held it before loses it.
        await tx.delete(agentIdentities).where(and(eq(agentIdentities.platform, platform), eq(agentIdentities.externalId, externalId)));
        await tx.insert(agentIdentities).values({ agentId: row!.id, platform, externalId });
      }
    }
    const keep = config.agents.map((a) => a.email);
    await tx.update(agents).set({ active: false }).where(keep.length > 0 ? notInArray(agents.email, keep) : undefined);

    // Memberships are exactly what the file says.
    await tx.delete(departmentMembers);
    const memberships = config.departments.flatMap((d) => d.members.map((m) => ({ departmentId: d.id, agentId: agentIds.get(m.agent)!, access: m.access })));
    if (memberships.length > 0) await tx.insert(departmentMembers).values(memberships);

    for (const t of config.helpTopics) {
      const values = { name: t.name, departmentId: t.department ?? null, active: true };
      await tx.insert(helpTopics).values({ id: t.id, ...values }).onConflictDoUpdate({ target: helpTopics.id, set: values });
      await tx.delete(helpTopicFields).where(eq(helpTopicFields.topicId, t.id));
      if (t.fields.length > 0) {
        await tx.insert(helpTopicFields).values(
          t.fields.map((f, position) => ({ topicId: t.id, id: f.id, label: f.label, type: f.type, options: f.options, requiredToClose: f.requiredToClose, position })),
        );
      }
    }
    const topicIds = config.helpTopics.map((t) => t.id);
    await tx.update(helpTopics).set({ active: false }).where(topicIds.length > 0 ? notInArray(helpTopics.id, topicIds) : undefined);
  });
}
