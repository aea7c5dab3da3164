// Reading: list, search, show and stats only ever show what the actor may see, and never
// archived or deleted tickets.
import { beforeAll, expect, it } from 'vitest';
import { runCommandAs } from '../../commands/run-as.js';
import { SYSTEM_ACTOR } from '../../src/tickets/actors.js';
import { addCustomerMessage } from '../../src/tickets/message-usecases.js';
import { describeOnDatabases } from '../support/databases.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const RITA = 'rita@example.org';
const OLGA = 'olga@example.org';
const ADMIN = 'admin@example.org';

describeOnDatabases('listing, searching and counting tickets', (h) => {
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
  const open = async (as: string, dept: string, subject: string, from = '') =>
    (await ok(as, `new --dept ${dept} ${from ? `--from ${from} ` : ''}${subject}`)).ticket!.number;

  // One ticket per situation; the database is this suite's own, so the lists are exact.
  const t = {} as Record<'fresh' | 'mine' | 'bobs' | 'waiting' | 'closed' | 'board' | 'archived' | 'deleted', string>;
  const names = (numbers: string[]) => numbers.map((n) => Object.entries(t).find(([, v]) => v === n)?.[0] ?? n).sort();
  const list = async (as: string, line: string) => names((await ok(as, line)).tickets!.map((x) => x.number));

  beforeAll(async () => {
    t.fresh = await open(ALICE, 'support', 'Printer broken on floor 3', 'carol@example.com');
    t.mine = await open(ALICE, 'support', 'VPN access for the new intern');
    await ok(ALICE, `claim #${t.mine}`);
    await ok(ALICE, `note #${t.mine} ordered a toner cartridge`);
    t.bobs = await open(BOB, 'support', 'Laptop battery');
    await ok(BOB, `claim #${t.bobs}`);
    t.waiting = await open(ALICE, 'support', 'Projector lamp');
    await ok(ALICE, `claim #${t.waiting}`);
    await ok(ALICE, `status #${t.waiting} waiting`);
    t.closed = await open(ALICE, 'support', 'Old mouse');
    await ok(ALICE, `close #${t.closed}`);
    t.board = await open(OLGA, 'board', 'Printer budget approval');
    await ok(OLGA, `note #${t.board} toner budget for next year`);
    t.archived = await open(ALICE, 'support', 'Printer archived long ago');
    await ok(ALICE, `close #${t.archived}`);
    await ok(ADMIN, `status #${t.archived} archived`);
    t.deleted = await open(ALICE, 'support', 'Printer deleted');
    await ok(ADMIN, `status #${t.deleted} deleted`);
    await addCustomerMessage(h().tickets, SYSTEM_ACTOR, t.fresh, { from: { email: 'carol@example.com' }, text: 'The paper tray rattles', source: 'mail' });
  });

  it('lists my open tickets, open ones, unassigned ones and waiting ones', async () => {
    expect(await list(ALICE, 'list mine')).toEqual(['mine']);
    expect(await list(BOB, 'list mine')).toEqual(['bobs']);
    expect(await list(ALICE, 'list')).toEqual(['bobs', 'fresh', 'mine', 'waiting']);
    expect(await list(ALICE, 'list open')).toEqual(['bobs', 'fresh', 'mine', 'waiting']);
    expect(await list(ALICE, 'list unassigned')).toEqual(['fresh', 'waiting']);
    expect(await list(ALICE, 'list waiting')).toEqual(['waiting']);
    expect(await list(ALICE, 'list open support')).toEqual(['bobs', 'fresh', 'mine', 'waiting']);
    expect(await list(ALICE, 'list all')).toEqual(['bobs', 'closed', 'fresh', 'mine', 'waiting']);
  });

  it('lists the most recently changed ticket first', async () => {
    const before = (await ok(ALICE, 'list open')).tickets!.map((x) => x.number);
    await ok(ALICE, `tag #${t.waiting} add lamp`);
    const after = (await ok(ALICE, 'list open')).tickets!.map((x) => x.number);
    expect(after[0]).toBe(t.waiting);
    expect([...after].sort()).toEqual([...before].sort());
  });

  it("never lists another department's tickets, and refuses to list a department one is not in", async () => {
    expect(await refused(ALICE, 'list open board')).toMatchObject({ code: 'forbidden', message: expect.stringContaining('board') });
    expect(await list(OLGA, 'list open')).toEqual(['board']);
    expect(await list(OLGA, 'list open board')).toEqual(['board']);
    expect((await refused(OLGA, 'list open support')).code).toBe('forbidden');
    expect(await list(RITA, 'list open')).toEqual(['bobs', 'fresh', 'mine', 'waiting']);
  });

  it('keeps archived and deleted tickets out of every list, even for admins', async () => {
    expect(await list(ADMIN, 'list all')).toEqual(['board', 'bobs', 'closed', 'fresh', 'mine', 'waiting']);
    expect(await list(ADMIN, 'list all support')).toEqual(['bobs', 'closed', 'fresh', 'mine', 'waiting']);
    expect(await list(ADMIN, 'search printer')).toEqual(['board', 'fresh']);
    expect(await list(ADMIN, `search ${t.archived}`)).toEqual([]);
  });

  it('searches subjects and message text, case-insensitively, within what the actor can see', async () => {
    expect(await list(ALICE, 'search printer')).toEqual(['fresh']);
    expect(await list(ALICE, 'search TONER')).toEqual(['mine']);
    expect(await list(ALICE, 'search paper tray')).toEqual(['fresh']);
    expect(await list(OLGA, 'search printer')).toEqual(['board']);
    expect(await list(OLGA, 'search toner')).toEqual(['board']);
    expect(await list(ADMIN, 'search toner')).toEqual(['board', 'mine']);
    expect(await list(RITA, 'search printer')).toEqual(['fresh']);
    expect(await list(ALICE, `search #${t.closed}`)).toEqual(['closed']);
    expect(await list(ALICE, `search #${t.board}`)).toEqual([]);
  });

  it('treats search text literally, not as a pattern', async () => {
    expect(await list(ALICE, 'search %')).toEqual([]);
    expect(await list(ALICE, 'search _')).toEqual([]);
    expect((await refused(ALICE, 'search')).code).toBe('bad_usage');
  });

  it('finds nothing in events: searching "claimed" does not return every claimed ticket', async () => {
    expect(await list(ALICE, 'search claimed')).toEqual([]);
  });

  it('counts tickets by status per visible department, without archived or deleted ones', async () => {
    const mine = (await ok(ALICE, 'stats')).stats!;
    expect(mine).toEqual([{ department: 'support', byStatus: { open: 1, in_progress: 2, waiting: 1, closed: 1 }, unassigned: 2 }]);
    expect((await ok(ALICE, 'stats support')).stats).toEqual(mine);
    expect((await refused(ALICE, 'stats board')).code).toBe('forbidden');
    expect((await ok(ADMIN, 'stats')).stats).toEqual([{ department: 'board', byStatus: { open: 1 }, unassigned: 1 }, ...mine]);
    expect((await ok(OLGA, 'stats')).stats).toEqual([{ department: 'board', byStatus: { open: 1 }, unassigned: 1 }]);
  });

  it('shows a ticket with its whole history to members, and to nobody else', async () => {
    const shown = (await ok(RITA, `show #${t.fresh}`)).show!;
    expect(shown).toMatchObject({ number: t.fresh, subject: 'Printer broken on floor 3', requester: 'carol@example.com', status: 'open' });
    expect(shown.messages.map((m) => m.kind)).toEqual(['event', 'customer']);
    expect((await refused(OLGA, `show #${t.fresh}`)).code).toBe('forbidden');
    expect((await refused(ALICE, `show #${t.board}`)).code).toBe('forbidden');
  });
});
