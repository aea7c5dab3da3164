// Notes, public replies and customer messages, and the outbox rows they leave for chat and mail.
import { and, count, eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { runCommandAs } from '../../commands/run-as.js';
import { messages, outbox, tickets } from '../../src/db/schema.js';
import { actorByEmail, SYSTEM_ACTOR } from '../../src/tickets/actors.js';
import { createTicket } from '../../src/tickets/create-ticket.js';
import { addCustomerMessage, addReply } from '../../src/tickets/message-usecases.js';
import { describeOnDatabases } from '../support/databases.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const CUSTOMER = 'carol@example.com';

describeOnDatabases('notes, replies and customer messages', (h) => {
  const run = (as: string, line: string, source = 'cli') => runCommandAs(h().tickets, as, line, source);
  async function ok(as: string, line: string, source = 'cli') {
    const r = await run(as, line, source);
    if (!r.ok) throw new Error(`"${line}" as ${as} was refused: ${r.error.code}: ${r.error.message}`);
    return r.output;
  }
  async function refused(as: string, line: string) {
    const r = await run(as, line);
    if (r.ok) throw new Error(`"${line}" as ${as} should have been refused, got: ${r.output.text}`);
    return r.error;
  }
  /** A ticket as mail intake opens it: by the system, for a customer, with their first message. */
  async function customerTicket(subject = 'My printer is broken'): Promise<string> {
    const { ticket } = await createTicket(h().tickets, SYSTEM_ACTOR, {
      subject,
      departmentId: 'support',
      requester: { email: CUSTOMER, name: 'Carol' },
      text: 'It prints nothing.',
      source: 'mail',
    });
    return ticket.number;
  }
  async function row(number: string) {
    const [t] = await h().database.db.select().from(tickets).where(eq(tickets.number, number));
    return t!;
  }
  const outboxOf = async (number: string) =>
    h().database.db.select().from(outbox).where(eq(outbox.ticketId, (await row(number)).id)).orderBy(outbox.id);
  const history = async (number: string) => (await ok(ALICE, `show #${number}`)).show!.messages;
  const agentId = async (email: string) => (await actorByEmail(h().database.db, email)).agentId;
  const fromCustomer = (number: string, text: string, email = CUSTOMER) =>
    addCustomerMessage(h().tickets, SYSTEM_ACTOR, number, { from: { email }, text, source: 'mail' });

  it('writes a note to the history and to chat, never to mail', async () => {
    const n = await customerTicket();
    const before = (await outboxOf(n)).length;
    await ok(ALICE, `note #${n} Called the customer, printer is unplugged`);
    const note = (await history(n)).at(-1)!;
    expect(note).toMatchObject({ kind: 'note', author: ALICE, text: 'Called the customer, printer is unplugged', source: 'cli' });
    const added = (await outboxOf(n)).slice(before);
    expect(added.map((r) => [r.sink, r.kind])).toEqual([['chat', 'message.post'], ['chat', 'card.update']]);
    expect(added[0]!.payload).toEqual({ messageId: note.id });
    expect((await outboxOf(n)).filter((r) => r.sink === 'mail')).toEqual([]);
    expect((await row(n)).status).toBe('open');
  });

  it('claims an unassigned ticket with the first public reply and queues the mail at once from the CLI', async () => {
    const n = await customerTicket();
    const t0 = Date.now();
    const out = await ok(BOB, `reply #${n} Have you tried plugging it in?`);
    const t1 = Date.now();
    expect(out.ticket).toMatchObject({ status: 'in_progress', assignee: BOB });
    const t = await row(n);
    expect(t.firstResponseAt).toBeInstanceOf(Date);
    const msgs = await history(n);
    const reply = msgs.find((m) => m.kind === 'reply')!;
    expect(reply).toMatchObject({ author: BOB, text: 'Have you tried plugging it in?' });
    expect(msgs.filter((m) => m.kind === 'event').at(-1)).toMatchObject({ author: BOB, text: 'Bob claimed the ticket by replying' });
    const mail = (await outboxOf(n)).filter((r) => r.sink === 'mail');
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ kind: 'mail.reply', payload: { messageId: reply.id }, status: 'pending' });
    expect(mail[0]!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 - 2000);
    expect(mail[0]!.nextAttemptAt.getTime()).toBeLessThanOrEqual(t1 + 2000);

    // The second reply does not move the first response time nor claim again.
    await ok(ALICE, `reply #${n} Any news?`);
    expect((await row(n)).firstResponseAt).toEqual(t.firstResponseAt);
    expect((await row(n)).assigneeId).toBe(await agentId(BOB));
  });

  it('holds a reply written in chat for the undo window before it may be mailed', async () => {
    const n = await customerTicket();
    const t0 = Date.now();
    await ok(ALICE, `reply #${n} On my way`, 'slack');
    const t1 = Date.now();
    const [mail] = (await outboxOf(n)).filter((r) => r.sink === 'mail');
    const undo = h().tickets.settings.undoSeconds * 1000;
    expect(undo).toBe(30_000);
    expect(mail!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(t0 + undo);
    expect(mail!.nextAttemptAt.getTime()).toBeLessThanOrEqual(t1 + undo);
    const [reply] = await h().database.db.select().from(messages).where(and(eq(messages.ticketId, (await row(n)).id), eq(messages.kind, 'reply')));
    expect(reply!.sendAfter?.getTime()).toBe(mail!.nextAttemptAt.getTime());
  });

  it('refuses a reply on a ticket without a customer, and records nothing', async () => {
    const n = (await ok(ALICE, 'new --dept support Order toner')).ticket!.number;
    const before = { ticket: await row(n), outbox: await outboxOf(n), history: await history(n) };
    expect(await refused(ALICE, `reply #${n} Done`)).toMatchObject({ code: 'invalid_value', message: expect.stringContaining('note instead') });
    expect({ ticket: await row(n), outbox: await outboxOf(n), history: await history(n) }).toEqual(before);
  });

  it('reopens a closed ticket when the customer writes again and tells every agent who worked on it', async () => {
    const n = await customerTicket();
    await ok(ALICE, `claim #${n}`);
    await ok(BOB, `note #${n} Sent a new cable`);
    await ok(ALICE, `close #${n}`);
    const before = (await outboxOf(n)).length;
    await fromCustomer(n, 'Still broken, sorry!');
    const t = await row(n);
    expect(t).toMatchObject({ status: 'open', state: 'open', assigneeId: null, resolvedAt: null });
    expect(t.lastCustomerMessageAt).toBeInstanceOf(Date);
    const msgs = await history(n);
    expect(msgs.slice(-2)).toMatchObject([
      { kind: 'customer', author: CUSTOMER, text: 'Still broken, sorry!', flagged: false },
      { kind: 'event', text: `Reopened by a new message from ${CUSTOMER}` },
    ]);
    const notify = (await outboxOf(n)).slice(before).filter((r) => r.kind === 'notify');
    expect(notify).toHaveLength(1);
    expect((notify[0]!.payload.agentIds as number[]).sort()).toEqual([await agentId(ALICE), await agentId(BOB)].sort());
  });

  it('tells the department when the customer writes on a waiting ticket, without reopening anything', async () => {
    const n = await customerTicket();
    await ok(ALICE, `status #${n} waiting`);
    const before = (await outboxOf(n)).length;
    await fromCustomer(n, 'Any update?');
    expect((await row(n)).status).toBe('waiting');
    const notify = (await outboxOf(n)).slice(before).filter((r) => r.kind === 'notify');
    expect(notify.map((r) => r.payload.departmentId)).toEqual(['support']);
  });

  it('keeps a message from a stranger as a flagged note, never as the customer, and leaves the status alone', async () => {
    const n = await customerTicket();
    await ok(ALICE, `close #${n}`);
    const before = (await outboxOf(n)).length;
    await fromCustomer(n, 'I have the same problem', 'stranger@example.net');
    expect(await row(n)).toMatchObject({ status: 'closed', state: 'closed' });
    const msgs = await history(n);
    expect(msgs.filter((m) => m.kind === 'customer').map((m) => m.text)).toEqual(['It prints nothing.']);
    expect(msgs.at(-1)).toMatchObject({ kind: 'note', flagged: true, author: 'stranger@example.net', text: 'I have the same problem' });
    const added = (await outboxOf(n)).slice(before);
    expect(added.map((r) => r.kind)).not.toContain('notify');
    expect(added.filter((r) => r.sink === 'mail')).toEqual([]);
  });

  it('accepts a flagged message as the customer’s and adds its sender to CC', async () => {
    const n = await customerTicket();
    await fromCustomer(n, 'Forwarding for my colleague', 'dan@example.com');
    const out = await ok(ALICE, `accept #${n}`);
    expect(out.ticket!.collaborators).toEqual(['dan@example.com']);
    const msgs = await history(n);
    expect(msgs.find((m) => m.text === 'Forwarding for my colleague')).toMatchObject({ kind: 'customer', flagged: false, author: 'dan@example.com' });
    expect(msgs.at(-1)).toMatchObject({ kind: 'event', author: ALICE, text: expect.stringContaining('accepted the message from dan@example.com') });
    // From now on the sender is known: their next message is the customer's straight away.
    await fromCustomer(n, 'Thanks!', 'dan@example.com');
    expect((await history(n)).at(-1)).toMatchObject({ kind: 'customer', flagged: false });
    expect((await refused(ALICE, `accept #${n}`)).code).toBe('not_found');
  });

  it('writes the outbox rows of a change in the same transaction as the change', async () => {
    const db = h().database.db;
    const doomed = await customerTicket('DOOMED printer');
    const target = (await ok(ALICE, 'new --dept support Merge target')).ticket!.number;
    // From here the database refuses any outbox row of a ticket whose subject starts with DOOMED.
    // Whatever the change wrote before — the ticket, messages, outbox rows of earlier
    // statements (a merge posts to the other ticket first) — must go with it.
    await db.execute(sql`create function test_refuse_outbox() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from tickets where id = new.ticket_id and subject like 'DOOMED%') then raise exception 'injected outbox failure'; end if;
        return new;
      end $$`);
    await db.execute(sql`create trigger test_refuse_outbox before insert on outbox for each row execute function test_refuse_outbox()`);
    const total = async (table: typeof outbox | typeof messages | typeof tickets) => (await db.select({ n: count() }).from(table))[0]!.n;
    const everything = async () => ({
      doomed: await row(doomed),
      target: await row(target),
      outbox: await total(outbox),
      messages: await total(messages),
      tickets: await total(tickets),
    });
    try {
      const before = await everything();
      const bob = await actorByEmail(db, BOB);
      await expect(addReply(h().tickets, bob, doomed, { text: 'This should never be sent', source: 'cli' })).rejects.toThrow();
      await expect(run(BOB, `merge #${doomed} #${target}`)).rejects.toThrow();
      await expect(createTicket(h().tickets, bob, { subject: 'DOOMED new one', departmentId: 'support', text: 'x', source: 'cli' })).rejects.toThrow();
      expect(await everything()).toEqual(before);
    } finally {
      await db.execute(sql`drop trigger test_refuse_outbox on outbox`);
      await db.execute(sql`drop function test_refuse_outbox()`);
    }
    // Without the injected failure the same changes go through, with their rows.
    await ok(BOB, `reply #${doomed} This one is sent`);
    expect((await outboxOf(doomed)).filter((r) => r.kind === 'mail.reply')).toHaveLength(1);
    expect((await ok(BOB, `merge #${doomed} #${target}`)).ticket!.mergedInto).toBe(target);
  });
});
