// Changes that keep a ticket's status: transfer, priority, CC, tags, custom fields, link, merge.
import { and, count, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { runCommandAs } from '../../commands/run-as.js';
import { messages, outbox, tickets } from '../../src/db/schema.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { setPriority } from '../../src/tickets/edit-usecases.js';
import { showTicket } from '../../src/tickets/queries.js';
import { ticketView } from '../../src/tickets/ticket-repository.js';
import { describeOnDatabases } from '../support/databases.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const OLGA = 'olga@example.org';
const ADMIN = 'admin@example.org';

describeOnDatabases('editing tickets', (h) => {
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
    const dept = as === OLGA ? 'board' : 'support';
    return (await ok(as, `new --dept ${dept} ${flags} Ticket ${Math.random().toString(36).slice(2, 8)}`)).ticket!.number;
  }
  async function snapshot(number: string) {
    const db = h().database.db;
    const [t] = await db.select().from(tickets).where(eq(tickets.number, number));
    const [m] = await db.select({ n: count() }).from(messages);
    const [o] = await db.select({ n: count() }).from(outbox);
    return { row: t, view: await ticketView(db, t!), messages: m!.n, outbox: o!.n };
  }
  const events = async (number: string) =>
    (await showTicket(h().tickets, await actorByEmail(h().database.db, ADMIN), number)).messages.filter((m) => m.kind === 'event');
  const eventTexts = async (number: string) => (await events(number)).map((e) => e.text);

  it('transfers to another department and warns the actor who thereby loses access', async () => {
    const n = await openTicket();
    const out = await ok(ALICE, `transfer #${n} board`);
    expect(out.ticket!.department).toBe('board');
    expect(out.warnings).toEqual([expect.stringMatching(/no longer have access.*--keep/)]);
    expect((await refused(ALICE, `show #${n}`)).code).toBe('forbidden');
    expect((await refused(ALICE, `note #${n} wait, come back`)).code).toBe('forbidden');
    expect((await ok(OLGA, `show #${n}`)).show!.department).toBe('board');
    const [event] = (await events(n)).filter((e) => /transferred/.test(e.text));
    expect(event).toMatchObject({ author: ALICE, text: 'Alice transferred the ticket to Board' });
    const [t] = await h().database.db.select().from(tickets).where(eq(tickets.number, n));
    const threadOpens = await h().database.db.select().from(outbox).where(and(eq(outbox.ticketId, t!.id), eq(outbox.kind, 'thread.open')));
    expect(threadOpens.map((r) => r.payload)).toEqual([{}, { reason: 'transfer' }]);
  });

  it('keeps the actor as a referrer with --keep, who can still read and act on the ticket', async () => {
    const n = await openTicket();
    const out = await ok(ALICE, `transfer #${n} board --keep`);
    expect(out.ticket!.department).toBe('board');
    expect(out.warnings).toEqual([expect.stringContaining('referrer')]);
    expect((await ok(ALICE, `show #${n}`)).show!.department).toBe('board');
    await ok(ALICE, `note #${n} still following this one`);
    expect((await ok(ALICE, `claim #${n}`)).ticket!.assignee).toBe(ALICE);
    expect((await refused(BOB, `show #${n}`)).code).toBe('forbidden');
    expect((await ok(OLGA, `show #${n}`)).show!.messages.map((m) => m.text)).toContain('still following this one');
  });

  it('refuses a transfer to an unknown department and changes nothing; the same department is a no-op', async () => {
    const n = await openTicket();
    const before = await snapshot(n);
    expect(await refused(ALICE, `transfer #${n} nowhere`)).toMatchObject({ code: 'not_found', message: expect.stringContaining('nowhere') });
    expect(await snapshot(n)).toEqual(before);
    expect((await ok(ALICE, `transfer #${n} support`)).warnings).toEqual([expect.stringContaining('already in Support')]);
    expect(await snapshot(n)).toEqual(before);
  });

  it('sets the priority, refuses unknown priorities and records nothing when it does not change', async () => {
    const n = await openTicket();
    expect((await ok(ALICE, `priority #${n} urgent`)).ticket!.priority).toBe('urgent');
    const before = await snapshot(n);
    expect(await refused(ALICE, `priority #${n} extreme`)).toMatchObject({ code: 'bad_usage', message: expect.stringContaining('low, normal, high, urgent') });
    const alice = await actorByEmail(h().database.db, ALICE);
    await expect(async () => setPriority(h().tickets, alice, n, 'extreme')).rejects.toMatchObject({ code: 'invalid_value' });
    expect((await ok(ALICE, `priority #${n} urgent`)).text).toMatch(/^Nothing to change/);
    expect(await snapshot(n)).toEqual(before);
    expect((await eventTexts(n)).filter((t) => /priority/.test(t))).toEqual(['Alice set the priority to urgent']);
  });

  it('adds and removes CC addresses, refusing bad ones and warning about duplicates without an event', async () => {
    const n = await openTicket();
    expect((await ok(ALICE, `cc #${n} add Carol@Example.com`)).ticket!.collaborators).toEqual(['carol@example.com']);
    const before = await snapshot(n);
    expect((await refused(ALICE, `cc #${n} add not-an-email`)).code).toBe('invalid_value');
    const dup = await ok(ALICE, `cc #${n} add carol@example.com`);
    expect(dup.warnings).toEqual([expect.stringContaining('already in CC')]);
    expect(await snapshot(n)).toEqual(before);
    expect((await ok(ALICE, `cc #${n} remove carol@example.com`)).ticket!.collaborators).toEqual([]);
    expect((await ok(ALICE, `cc #${n} remove carol@example.com`)).warnings).toEqual([expect.stringContaining('not in CC')]);
    expect((await eventTexts(n)).filter((t) => /CC/.test(t))).toEqual(['Alice added carol@example.com to CC', 'Alice removed carol@example.com from CC']);
  });

  it('adds and removes tags, normalised to lower case, and refuses malformed ones', async () => {
    const n = await openTicket();
    expect((await ok(ALICE, `tag #${n} add VIP`)).ticket!.tags).toEqual(['vip']);
    expect((await ok(ALICE, `tag #${n} add printer-3`)).ticket!.tags).toEqual(['printer-3', 'vip']);
    const before = await snapshot(n);
    expect((await ok(ALICE, `tag #${n} add vip`)).warnings).toEqual([expect.stringContaining('already tagged')]);
    expect((await refused(ALICE, `tag #${n} add "two words"`)).code).toBe('invalid_value');
    expect(await snapshot(n)).toEqual(before);
    expect((await ok(ALICE, `tag #${n} remove vip`)).ticket!.tags).toEqual(['printer-3']);
    expect((await eventTexts(n)).filter((t) => /tagged/.test(t))).toEqual(['Alice tagged vip', 'Alice tagged printer-3', 'Alice untagged vip']);
  });

  it("validates custom fields against the help topic's definitions", async () => {
    const n = await openTicket('--topic donation-request');
    const before = await snapshot(n);
    expect(await refused(ALICE, `field #${n} proof=maybe`)).toMatchObject({ code: 'invalid_value', message: expect.stringContaining('yes, no') });
    expect(await refused(ALICE, `field #${n} colour=red`)).toMatchObject({ code: 'invalid_value', message: expect.stringContaining('proof') });
    expect((await refused(ALICE, `field #${n} proof`)).code).toBe('bad_usage');
    expect(await snapshot(n)).toEqual(before);
    expect((await ok(ALICE, `field #${n} proof=no`)).ticket!.fields).toEqual({ proof: 'no' });
    expect((await ok(ALICE, `field #${n} proof=no`)).text).toMatch(/^Nothing to change/);
    expect((await ok(ALICE, `field #${n} proof=`)).ticket!.fields).toEqual({});
    expect((await eventTexts(n)).filter((t) => /Eligibility/.test(t))).toEqual([
      'Alice set Eligibility proof filed to no',
      'Alice set Eligibility proof filed to (empty)',
    ]);

    const plain = await openTicket();
    expect(await refused(ALICE, `field #${plain} proof=yes`)).toMatchObject({ code: 'invalid_value', message: expect.stringContaining('no help topic') });
  });

  it('links two tickets so that each shows the other, once', async () => {
    const a = await openTicket();
    const b = await openTicket();
    expect((await ok(ALICE, `link #${a} #${b}`)).ticket!.links).toEqual([{ number: b, kind: 'related' }]);
    expect((await ok(ALICE, `show #${b}`)).show!.links).toEqual([{ number: a, kind: 'related' }]);
    const before = await snapshot(a);
    expect((await ok(ALICE, `link #${a} #${b}`)).warnings).toEqual([expect.stringContaining('already linked')]);
    expect((await ok(BOB, `link #${b} #${a}`)).warnings).toEqual([expect.stringContaining('already linked')]);
    expect((await refused(ALICE, `link #${a} #${a}`)).code).toBe('invalid_value');
    expect((await refused(ALICE, `link #${a} #19990101999999`)).code).toBe('not_found');
    expect(await snapshot(a)).toEqual(before);
    expect(await eventTexts(a)).toContain(`Alice linked #${b}`);
  });

  it('merges a ticket into another: the source closes and points there, both histories say so', async () => {
    const source = await openTicket('--from carol@example.com');
    const target = await openTicket();
    await ok(ALICE, `cc #${source} add dave@example.com`);
    const merged = await ok(ALICE, `merge #${source} #${target}`);
    expect(merged.ticket).toMatchObject({ status: 'closed', state: 'closed', mergedInto: target });
    const shownTarget = (await ok(ALICE, `show #${target}`)).show!;
    expect(shownTarget).toMatchObject({ status: 'open', collaborators: ['dave@example.com'] });
    expect(shownTarget.links).toEqual([{ number: source, kind: 'merged' }]);
    expect(await eventTexts(source)).toContain(`Alice merged the ticket into #${target}`);
    const [inTarget] = (await events(target)).filter((e) => /merged/.test(e.text));
    expect(inTarget).toMatchObject({ author: ALICE, text: `Alice merged #${source} into this ticket` });

    // Each ticket's thread gets its event.
    const db = h().database.db;
    const posts = await db.select().from(outbox).where(eq(outbox.kind, 'message.post'));
    const eventIds = async (n: string) => (await events(n)).map((e) => e.id);
    const posted = new Set(posts.map((p) => p.payload.messageId));
    for (const id of [...(await eventIds(source)).slice(-1), ...(await eventIds(target)).slice(-1)]) expect(posted).toContain(id);
  });

  it('refuses to merge a ticket into itself, into a merged ticket or into one the actor cannot see', async () => {
    const a = await openTicket();
    const b = await openTicket();
    await ok(ALICE, `merge #${a} #${b}`);
    const c = await openTicket();
    const hidden = await openTicket('', OLGA);
    const before = [await snapshot(b), await snapshot(c), await snapshot(hidden)];
    expect(await refused(ALICE, `merge #${b} #${b}`)).toMatchObject({ code: 'invalid_value', message: expect.stringContaining('itself') });
    expect(await refused(ALICE, `merge #${c} #${a}`)).toMatchObject({ code: 'invalid_value', message: expect.stringContaining(`#${a} was itself merged`) });
    expect((await refused(ALICE, `merge #${c} #${hidden}`)).code).toBe('forbidden');
    expect([await snapshot(b), await snapshot(c), await snapshot(hidden)]).toEqual(before);
  });
});
