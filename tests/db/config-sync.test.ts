// threaddesk.yaml → database on every start: idempotent, nothing history points at is deleted;
// removed agents, departments and topics are deactivated and stop working.
import { asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { runCommandAs } from '../../commands/run-as.js';
import { parseConfig } from '../../src/config/load-config.js';
import { agentIdentities, agents, departmentMembers, departments, helpTopicFields, helpTopics } from '../../src/db/schema.js';
import { actorByEmail, actorByPlatformId } from '../../src/tickets/actors.js';
import { syncConfig } from '../../src/tickets/config-sync.js';
import { describeOnDatabases, TEST_CONFIG } from '../support/databases.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const RITA = 'rita@example.org';
const OLGA = 'olga@example.org';
const ADMIN = 'admin@example.org';

type TestConfig = typeof TEST_CONFIG;

describeOnDatabases('syncing the configuration', (h) => {
  const run = (as: string, line: string) => runCommandAs(h().tickets, as, line);
  async function ok(as: string, line: string) {
    const r = await run(as, line);
    if (!r.ok) throw new Error(`"${line}" as ${as} was refused: ${r.error.code}: ${r.error.message}`);
    return r.output;
  }
  async function refused(as: string, line: string) {
    const r = await run(as, line);
    if (r.ok) throw new Error(`"${line}" as ${as} should have been refused, got: ${r.output.text}`);
    return r.error;
  }
  /** Syncs TEST_CONFIG as changed by `edit` (a fresh copy each time). */
  async function sync(edit: (c: TestConfig) => void = () => {}) {
    const copy = structuredClone(TEST_CONFIG);
    edit(copy);
    await syncConfig(h().database.db, parseConfig(copy));
  }
  const dropAgent = (c: TestConfig, email: string) => {
    c.agents = c.agents.filter((a) => a.email !== email);
    for (const d of c.departments) d.members = d.members.filter((m) => m.agent !== email);
  };
  async function dump() {
    const db = h().database.db;
    return {
      departments: await db.select().from(departments).orderBy(asc(departments.id)),
      agents: (await db.select().from(agents).orderBy(asc(agents.id))).map(({ lastActiveAt: _l, ...a }) => a),
      members: await db.select().from(departmentMembers).orderBy(asc(departmentMembers.departmentId), asc(departmentMembers.agentId)),
      identities: await db.select().from(agentIdentities).orderBy(asc(agentIdentities.platform), asc(agentIdentities.externalId)),
      topics: await db.select().from(helpTopics).orderBy(asc(helpTopics.id)),
      fields: await db.select().from(helpTopicFields).orderBy(asc(helpTopicFields.topicId), asc(helpTopicFields.id)),
    };
  }
  const agentRow = async (email: string) => (await h().database.db.select().from(agents).where(eq(agents.email, email)))[0];

  it('changes nothing when the same configuration is synced again', async () => {
    const first = await dump();
    expect(first.agents.map((a) => [a.email, a.role, a.active])).toEqual([
      [ALICE, 'agent', true], [BOB, 'agent', true], [RITA, 'agent', true], [OLGA, 'agent', true], [ADMIN, 'admin', true],
    ]);
    expect(first.members).toHaveLength(4);
    expect(first.fields).toMatchObject([{ topicId: 'donation-request', id: 'proof', type: 'select', options: ['yes', 'no'], requiredToClose: true }]);
    await sync();
    await sync();
    expect(await dump()).toEqual(first);
  });

  it("stores the agents' platform ids and finds the agent by them", async () => {
    const alice = await agentRow(ALICE);
    const ids = await h().database.db.select().from(agentIdentities).where(eq(agentIdentities.agentId, alice!.id));
    expect(ids.map((i) => [i.platform, i.externalId]).sort()).toEqual([['discord', '1001'], ['matrix', '@alice:example.org'], ['slack', 'U01']]);
    expect((await actorByPlatformId(h().database.db, 'slack', 'U01'))?.email).toBe(ALICE);
    expect((await actorByPlatformId(h().database.db, 'matrix', '@alice:example.org'))?.email).toBe(ALICE);
    expect((await actorByPlatformId(h().database.db, 'discord', '1001'))?.email).toBe(ALICE);
    expect(await actorByPlatformId(h().database.db, 'discord', 'U01')).toBeNull();
    expect(await actorByPlatformId(h().database.db, 'slack', 'U99')).toBeNull();
  });

  it('moves a platform id to the agent the configuration now gives it to', async () => {
    await sync((c) => {
      delete (c.agents[0] as { slack?: string }).slack;
      (c.agents[1] as { slack?: string }).slack = 'U01';
    });
    expect((await actorByPlatformId(h().database.db, 'slack', 'U01'))?.email).toBe(BOB);
    await sync();
    expect((await actorByPlatformId(h().database.db, 'slack', 'U01'))?.email).toBe(ALICE);
  });

  it('deactivates an agent removed from the configuration, keeping their history, and refuses their commands', async () => {
    const n = (await ok(BOB, 'new --dept support Cable management')).ticket!.number;
    await ok(BOB, `note #${n} needs velcro`);
    await ok(BOB, `claim #${n}`);
    const bobId = (await agentRow(BOB))!.id;

    await sync((c) => dropAgent(c, BOB));
    expect(await agentRow(BOB)).toMatchObject({ id: bobId, active: false });
    for (const line of [`note #${n} still here?`, `release #${n}`, `show #${n}`, 'list mine', 'new --dept support Ghost ticket']) {
      expect({ line, code: (await refused(BOB, line)).code }).toEqual({ line, code: 'forbidden' });
    }
    expect((await refused(ALICE, `assign #${n} @Bob`)).code).toBe('not_found');
    const shown = (await ok(ALICE, `show #${n}`)).show!;
    expect(shown.messages.find((m) => m.kind === 'note')).toMatchObject({ author: BOB, text: 'needs velcro' });
    expect(shown.assignee).toBe(BOB);

    await sync();
    expect(await agentRow(BOB)).toMatchObject({ id: bobId, active: true });
    await ok(BOB, `note #${n} back again`);
  });

  it('applies membership changes: new access works at once, removed access is gone', async () => {
    const support = (await ok(ALICE, 'new --dept support Desk lamp')).ticket!.number;
    const board = (await ok(OLGA, 'new --dept board Annual budget')).ticket!.number;
    expect((await refused(RITA, `claim #${support}`)).code).toBe('read_only');

    await sync((c) => {
      c.departments[0]!.members = c.departments[0]!.members.map((m) => (m.agent === RITA ? { ...m, access: 'write' } : m));
      c.departments[1]!.members = [{ agent: ALICE, access: 'read' }];
    });
    expect((await ok(RITA, `claim #${support}`)).ticket!.assignee).toBe(RITA);
    expect((await refused(OLGA, `show #${board}`)).code).toBe('forbidden');
    expect((await ok(ALICE, `show #${board}`)).show!.subject).toBe('Annual budget');
    expect((await refused(ALICE, `note #${board} hi`)).code).toBe('read_only');

    await sync();
    expect((await refused(RITA, `release #${support}`)).code).toBe('read_only');
    expect((await ok(OLGA, `show #${board}`)).show!.subject).toBe('Annual budget');
    expect((await refused(ALICE, `show #${board}`)).code).toBe('forbidden');
  });

  it('deactivates a removed department and help topic without deleting them or their tickets', async () => {
    const board = (await ok(OLGA, 'new --dept board Minutes')).ticket!.number;
    const support = (await ok(ALICE, 'new --dept support --topic donation-request Donation')).ticket!.number;
    await sync((c) => {
      dropAgent(c, OLGA);
      c.departments = c.departments.filter((d) => d.id !== 'board');
      c.helpTopics = [];
    });
    const db = h().database.db;
    expect((await db.select().from(departments).where(eq(departments.id, 'board')))[0]).toMatchObject({ active: false });
    expect((await db.select().from(helpTopics).where(eq(helpTopics.id, 'donation-request')))[0]).toMatchObject({ active: false });
    expect((await refused(ADMIN, 'new --dept board Another')).code).toBe('not_found');
    expect((await refused(ALICE, `transfer #${support} board`)).code).toBe('not_found');
    expect((await refused(ALICE, 'new --dept support --topic donation-request Another')).code).toBe('not_found');
    expect((await ok(ADMIN, `show #${board}`)).show).toMatchObject({ department: 'board', subject: 'Minutes' });
    expect((await ok(ALICE, `show #${support}`)).show!.topic).toBe('donation-request');

    await sync();
    expect((await db.select().from(departments).where(eq(departments.id, 'board')))[0]).toMatchObject({ active: true });
    expect((await ok(ALICE, 'new --dept support --topic donation-request Works again')).ticket!.topic).toBe('donation-request');
    expect((await actorByEmail(db, OLGA)).active).toBe(true);
  });
});
