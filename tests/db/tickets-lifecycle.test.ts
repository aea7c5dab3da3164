// The ticket lifecycle and who may drive it, through the chat grammar (runCommandAs), on PGlite
// and PostgreSQL: the donation-request scenario, permissions, claim/assign, release/spam.
import { count, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.js';
import { runCommandAs } from '../../commands/run-as.js';
import { agents, departmentMembers, messages, outbox, tickets } from '../../src/db/schema.js';
import { actorByEmail, SYSTEM_ACTOR } from '../../src/tickets/actors.js';
import { addCustomerMessage } from '../../src/tickets/message-usecases.js';
import { showTicket } from '../../src/tickets/queries.js';
import { ticketView } from '../../src/tickets/ticket-repository.js';
import { describeOnDatabases } from '../support/databases.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const RITA = 'rita@example.org';
const OLGA = 'olga@example.org';
const ADMIN = 'admin@example.org';

describeOnDatabases('the ticket lifecycle', (h) => {
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
  async function openTicket(flags = '', as = ALICE): Promise<string> {
    return (await ok(as, `new --dept support ${flags} Ticket ${Math.random().toString(36).slice(2, 8)}`)).ticket!.number;
  }
  async function row(number: string) {
    const [t] = await h().database.db.select().from(tickets).where(eq(tickets.number, number));
    return t!;
  }
  /** Everything a refused command must leave untouched: the ticket, the history, the outbox. */
  async function snapshot(number: string) {
    const db = h().database.db;
    const t = await row(number);
    const [m] = await db.select({ n: count() }).from(messages);
    const [o] = await db.select({ n: count() }).from(outbox);
    return { row: t, view: await ticketView(db, t), messages: m!.n, outbox: o!.n };
  }
  const events = async (number: string) =>
    (await showTicket(h().tickets, await actorByEmail(h().database.db, ADMIN), number)).messages.filter((m) => m.kind === 'event');

  it('walks the donation request from new to reopened, refusing to close while the proof is missing', async () => {
    const created = await ok(ALICE, 'new --dept support --topic donation-request Printer broken');
    const n = created.ticket!.number;
    expect(n).toMatch(/^\d{14}$/);
    expect(created.ticket).toMatchObject({ subject: 'Printer broken', status: 'open', state: 'open', department: 'support', topic: 'donation-request', assignee: null });

    expect((await ok(ALICE, `claim #${n}`)).ticket).toMatchObject({ status: 'in_progress', state: 'open', assignee: ALICE });
    expect((await ok(ALICE, `status #${n} waiting`)).ticket).toMatchObject({ status: 'waiting', state: 'open', assignee: null });

    const before = await snapshot(n);
    const refusal = await refused(ALICE, `close #${n}`);
    expect(refusal.code).toBe('required_fields');
    expect(refusal.message).toContain('proof');
    expect(await snapshot(n)).toEqual(before);

    expect((await ok(ALICE, `field #${n} proof=yes`)).ticket!.fields).toEqual({ proof: 'yes' });
    expect((await ok(ALICE, `close #${n} donation sent`)).ticket).toMatchObject({ status: 'closed', state: 'closed' });
    expect((await row(n)).resolvedAt).toBeInstanceOf(Date);

    expect((await ok(ALICE, `reopen #${n}`)).ticket).toMatchObject({ status: 'open', state: 'open', assignee: null });
    expect((await row(n)).resolvedAt).toBeNull();

    const history = (await ok(ALICE, `show #${n}`)).show!.messages;
    expect(history.every((m) => m.kind === 'event')).toBe(true);
    const expected = [
      /^Alice opened the ticket in Support/,
      /^Alice claimed the ticket/,
      /^Alice set the status to waiting and released it/,
      /^Alice set Eligibility proof filed to yes/,
      /^Alice closed the ticket: donation sent/,
      /^Alice reopened the ticket/,
    ];
    expect(history).toHaveLength(expected.length);
    history.forEach((m, i) => {
      expect(m.text).toMatch(expected[i]!);
      expect(m.author).toBe(ALICE);
    });
    const times = history.map((m) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('refuses every changing command to a read-only member and to a non-member, and changes nothing', async () => {
    const n = await openTicket(`--topic donation-request --from carol@example.com`);
    const other = await openTicket();
    await ok(BOB, `claim #${n}`);
    const lines = [
      `claim #${n}`, `release #${n}`, `assign #${n} @Bob`, `status #${n} waiting`, `close #${n}`, `reopen #${n}`, `spam #${n}`,
      `transfer #${n} board`, `priority #${n} high`, `reply #${n} Hello`, `note #${n} psst`, `accept #${n}`,
      `cc #${n} add dave@example.com`, `field #${n} proof=yes`, `tag #${n} add vip`, `merge #${n} #${other}`, `link #${n} #${other}`,
    ];
    // Every command of the table that changes a ticket is in the list above.
    const changing = [...COMMANDS.values()].filter((c) => c.permission === 'write' && c.ticket === 'required').map((c) => c.name);
    expect(new Set(lines.map((l) => l.split(' ')[0]))).toEqual(new Set(changing));

    const before = [await snapshot(n), await snapshot(other)];
    for (const line of [...lines, 'new --dept support Not allowed']) {
      expect({ line, code: (await refused(RITA, line)).code }).toEqual({ line, code: 'read_only' });
      expect({ line, code: (await refused(OLGA, line)).code }).toEqual({ line, code: 'forbidden' });
    }
    expect([await snapshot(n), await snapshot(other)]).toEqual(before);
  });

  it('lets a read-only member show and list but not a non-member show', async () => {
    const n = await openTicket();
    expect((await ok(RITA, `show #${n}`)).show!.number).toBe(n);
    expect((await ok(RITA, 'list open support')).tickets!.map((t) => t.number)).toContain(n);
    expect((await refused(OLGA, `show #${n}`)).code).toBe('forbidden');
    expect((await refused(OLGA, 'list open support')).code).toBe('forbidden');
  });

  it('lets an admin do everything', async () => {
    const n = await openTicket('--topic donation-request --from carol@example.com');
    const other = await openTicket();
    await addCustomerMessage(h().tickets, SYSTEM_ACTOR, n, { from: { email: 'stranger@example.net' }, text: 'me too', source: 'mail' });
    const lines = [
      `claim #${n}`, `priority #${n} high`, `tag #${n} add vip`, `cc #${n} add dave@example.com`, `note #${n} psst`,
      `reply #${n} Hello`, `accept #${n}`, `field #${n} proof=yes`, `link #${n} #${other}`, `assign #${n} bob@example.org`,
      `release #${n}`, `status #${n} waiting`, `close #${n}`, `reopen #${n}`, `transfer #${n} board`, `spam #${n}`,
      `status #${n} archived`, `status #${n} deleted`, `reopen #${n}`, `merge #${n} #${other}`,
    ];
    for (const line of lines) {
      const out = await ok(ADMIN, line);
      expect({ line, changed: !out.text.startsWith('Nothing to change') }).toEqual({ line, changed: true });
    }
    expect((await ok(ADMIN, `show #${n}`)).ticket).toMatchObject({ status: 'closed', mergedInto: other, department: 'board' });
  });

  it('lets only an admin archive or delete, after which nobody else can even see the ticket', async () => {
    const n = await openTicket();
    await ok(ALICE, `close #${n}`);
    expect(await refused(ALICE, `status #${n} archived`)).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/admin/) });
    expect((await row(n)).status).toBe('closed');
    expect((await ok(ADMIN, `status #${n} archived`)).ticket).toMatchObject({ status: 'archived', state: 'archived' });
    for (const who of [ALICE, BOB, RITA]) expect((await refused(who, `show #${n}`)).code).toBe('forbidden');
    expect((await refused(ALICE, `reopen #${n}`)).code).toBe('forbidden');
    expect((await ok(ADMIN, `show #${n}`)).show!.status).toBe('archived');

    const m = await openTicket();
    expect((await refused(BOB, `status #${m} deleted`)).code).toBe('forbidden');
    expect((await row(m)).status).toBe('open');
    expect((await ok(ADMIN, `status #${m} deleted`)).ticket).toMatchObject({ status: 'deleted', state: 'deleted' });
    expect((await refused(ALICE, `show #${m}`)).code).toBe('forbidden');
    expect((await refused(ALICE, `note #${m} hello?`)).code).toBe('forbidden');
    await ok(ADMIN, `reopen #${m}`);
    expect((await ok(ALICE, `show #${m}`)).show!.status).toBe('open');
  });

  it('refuses a deactivated or locked agent, even with write access', async () => {
    const db = h().database.db;
    const n = await openTicket();
    const inserted = await db
      .insert(agents)
      .values([
        { email: 'ivy@example.org', name: 'Ivy', active: false },
        { email: 'lee@example.org', name: 'Lee', lockedAt: new Date() },
      ])
      .returning();
    await db.insert(departmentMembers).values(inserted.map((a) => ({ departmentId: 'support', agentId: a.id, access: 'write' as const })));
    const before = await snapshot(n);
    for (const who of ['ivy@example.org', 'lee@example.org']) {
      for (const line of [`claim #${n}`, `note #${n} hi`, `show #${n}`, 'list open', 'new --dept support Locked out']) {
        const e = await refused(who, line);
        expect({ who, line, code: e.code }).toEqual({ who, line, code: 'forbidden' });
        expect(e.message).toMatch(/deactivated or locked/);
      }
    }
    expect(await snapshot(n)).toEqual(before);
  });

  it('refuses to claim a ticket someone else holds; claiming it again yourself records nothing', async () => {
    const n = await openTicket();
    await ok(ALICE, `claim #${n}`);
    const before = await snapshot(n);
    expect(await refused(BOB, `claim #${n}`)).toMatchObject({ code: 'conflict', message: expect.stringContaining('Alice') });
    expect(await snapshot(n)).toEqual(before);
    expect((await ok(ALICE, `claim #${n}`)).text).toMatch(/^Nothing to change/);
    expect(await snapshot(n)).toEqual(before);
    expect((await events(n)).filter((e) => /claimed/.test(e.text))).toHaveLength(1);
  });

  it('assigns by @name, by email and by platform id, but only to agents with write access', async () => {
    const n = await openTicket();
    const before = await snapshot(n);
    expect(await refused(ALICE, `assign #${n} @Rita`)).toMatchObject({ code: 'forbidden', message: expect.stringContaining('write access') });
    expect((await refused(ALICE, `assign #${n} olga@example.org`)).code).toBe('forbidden');
    expect((await refused(ALICE, `assign #${n} @nobody`)).code).toBe('not_found');
    expect(await snapshot(n)).toEqual(before);

    expect((await ok(ALICE, `assign #${n} @Bob`)).ticket).toMatchObject({ assignee: BOB, status: 'in_progress' });
    expect((await ok(BOB, `assign #${n} alice@example.org`)).ticket!.assignee).toBe(ALICE);
    expect((await ok(ALICE, `assign #${n} @bob@example.org`)).ticket!.assignee).toBe(BOB);
    expect((await ok(BOB, `assign #${n} <@U01>`)).ticket!.assignee).toBe(ALICE);
    expect((await ok(ALICE, `assign #${n} admin@example.org`)).ticket!.assignee).toBe(ADMIN);
    const texts = (await events(n)).map((e) => e.text);
    expect(texts.filter((t) => /assigned the ticket to/.test(t))).toEqual([
      'Alice assigned the ticket to Bob',
      'Bob assigned the ticket to Alice',
      'Alice assigned the ticket to Bob',
      'Bob assigned the ticket to Alice',
      'Alice assigned the ticket to Ada Admin',
    ]);
  });

  it('releases, marks spam and refuses what the lifecycle does not allow with a clear error', async () => {
    const n = await openTicket();
    await ok(ALICE, `claim #${n}`);
    expect((await ok(BOB, `release #${n}`)).ticket).toMatchObject({ status: 'open', assignee: null });
    expect((await ok(BOB, `release #${n}`)).warnings).toEqual([expect.stringContaining('not assigned')]);
    expect((await ok(ALICE, `spam #${n}`)).ticket).toMatchObject({ status: 'spam', state: 'closed' });
    const before = await snapshot(n);
    expect(await refused(ALICE, `claim #${n}`)).toMatchObject({ code: 'invalid_transition', message: expect.stringMatching(/spam.*reopen/) });
    expect(await refused(ALICE, `status #${n} waiting`)).toMatchObject({ code: 'invalid_transition' });
    expect(await snapshot(n)).toEqual(before);
    await ok(ALICE, `reopen #${n}`);
    expect(await refused(ALICE, `reopen #${n}`)).toMatchObject({ code: 'invalid_transition', message: expect.stringContaining('already open') });
    expect((await refused(ALICE, `status #${n} finished`)).code).toBe('bad_usage');
    expect((await refused(ALICE, 'claim #19990101999999')).code).toBe('not_found');
  });
});
