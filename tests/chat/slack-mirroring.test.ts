// End to end through the real server: tickets mirrored into Slack threads through the outbox,
// and agents acting in Slack (slash command, !ticket, buttons, reactions, thread replies with the
// undo window) — all against the wire-level Slack double, with correctly signed requests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { messages, outbox, tickets } from '../../src/db/schema.js';
import { startThreaddesk, type Threaddesk } from '../../src/main.js';
import { SYSTEM_ACTOR } from '../../src/tickets/actors.js';
import { createTicket } from '../../src/tickets/create-ticket.js';
import { showTicket } from '../../src/tickets/queries.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { SlackDouble, signedSlackRequest, type DoubleMessage } from '../doubles/slack-double.js';
import { SlackWorkspace } from './slack-workspace.js';
import type { SlackAdapter } from '../../adapters/slack/index.js';

const SECRET = 'mirroring-signing-secret';
const CHANNEL = 'C0SUPPORT';
const ALICE = 'U0ALICE';
const RITA = 'U0RITA';
const STRANGER = 'U0STRANGER';

const config = parseConfig({
  // Long enough that an edit or deletion lands inside the window on a loaded machine.
  chat: { undoSeconds: 20 },
  agents: [
    { email: 'alice@example.org', name: 'Alice', slack: ALICE },
    { email: 'rita@example.org', name: 'Rita' },
  ],
  departments: [
    {
      id: 'support',
      name: 'Support',
      emails: ['support@example.org'],
      channels: { slack: CHANNEL },
      members: [
        { agent: 'alice@example.org', access: 'write' },
        { agent: 'rita@example.org', access: 'read' },
      ],
    },
  ],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('tickets as Slack threads, end to end', () => {
  let double: SlackDouble;
  let workspace: SlackWorkspace;
  let td: Threaddesk;
  let dataDir: string;
  let eventsUrl: string;

  beforeAll(async () => {
    double = await SlackDouble.start();
    double.addUser({ id: ALICE, name: 'alice', realName: 'Alice', email: 'alice@example.org' });
    // Rita is not named in the config: threaddesk finds her by her Slack profile email.
    double.addUser({ id: RITA, name: 'rita', realName: 'Rita', email: 'rita@example.org' });
    double.addUser({ id: STRANGER, name: 'stranger', email: 'stranger@example.net' });
    double.addChannel({ id: CHANNEL, name: 'support', members: [ALICE, RITA, STRANGER] });
    dataDir = mkdtempSync(join(tmpdir(), 'threaddesk-slack-'));
    td = await startThreaddesk({
      env: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', slack: { botToken: double.botToken, signingSecret: SECRET, apiUrl: double.apiUrl } },
      config,
      logger: pino({ level: 'warn' }),
    });
    eventsUrl = `http://127.0.0.1:${td.port}/slack/events`;
    workspace = new SlackWorkspace(double, eventsUrl, SECRET);
  });

  afterAll(async () => {
    await td?.stop();
    await double?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits (bounded) until the outbox has nothing ready to deliver and Slack's echoes are in. */
  async function settle(): Promise<void> {
    // Slack work runs after the ack: wait for it first, then for what it queued.
    await (td.chatAdapters.get('slack') as SlackAdapter).settled();
    for (let i = 0; i < 200; i++) {
      td.worker.poke();
      const ready = await td.database.db.select({ id: outbox.id }).from(outbox).where(eq(outbox.status, 'pending'));
      const due = ready.length === 0 ? [] : await td.database.db.select().from(outbox).where(eq(outbox.status, 'pending'));
      if (due.every((r) => r.nextAttemptAt.getTime() > Date.now() + 500)) {
        const delivering = await td.database.db.select({ id: outbox.id }).from(outbox).where(eq(outbox.status, 'delivering'));
        if (delivering.length === 0) break;
      }
      await sleep(50);
    }
    await workspace.idle();
    await (td.chatAdapters.get('slack') as SlackAdapter).settled();
  }

  async function customerTicket(subject: string, text = 'My printer prints only blank pages.') {
    const { ticket } = await createTicket(td.tickets, SYSTEM_ACTOR, {
      subject,
      departmentId: 'support',
      requester: { email: 'carla@example.net', name: 'Carla' },
      text,
      source: 'mail',
    });
    await settle();
    const card = double.messages.find((m) => m.channel === CHANNEL && !m.threadTs && m.text.includes(ticket.number) && !m.deleted);
    if (!card) throw new Error(`no card for #${ticket.number} in the channel`);
    return { ticket, card };
  }

  const cardText = (card: DoubleMessage) => JSON.stringify(double.message(CHANNEL, card.ts)!.blocks ?? double.message(CHANNEL, card.ts)!.text);
  const ticketRow = async (id: number) => (await td.database.db.select().from(tickets).where(eq(tickets.id, id)))[0]!;

  it('opens a thread whose first message is the card, and posts the customer message into it', async () => {
    const { ticket, card } = await customerTicket('Printer broken <!channel>');
    expect(cardText(card)).toContain(ticket.number);
    expect(cardText(card)).toContain('open');
    const replies = double.replies(CHANNEL, card.ts);
    expect(replies.some((m) => m.text.includes('blank pages'))).toBe(true);
    // The subject cannot ping the channel.
    expect(JSON.stringify(double.message(CHANNEL, card.ts))).not.toMatch(/<!channel>/);
  });

  it('claims with the slash command, answers within 3 s and updates the card in place', async () => {
    const { ticket, card } = await customerTicket('Slash claim');
    const before = double.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card.ts).length;
    const started = Date.now();
    const res = await workspace.slash(ALICE, CHANNEL, `claim #${ticket.number}`);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(3_000);
    await settle();
    const row = await ticketRow(ticket.id);
    expect(row.status).toBe('in_progress');
    const alice = await actorByEmail(td.database.db, 'alice@example.org');
    expect(row.assigneeId).toBe(alice.agentId);
    expect(double.calls.filter((c) => c.method === 'chat.update' && c.args.ts === card.ts).length).toBeGreaterThan(before);
    expect(cardText(card)).toContain('Alice');
    expect(double.ephemerals.some((e) => e.user === ALICE && e.text.includes('Claimed'))).toBe(true);
  });

  it('acts on `!ticket release` in the thread, never mails it, and confirms ephemerally', async () => {
    const { ticket, card } = await customerTicket('Release in thread');
    await workspace.slash(ALICE, CHANNEL, `claim #${ticket.number}`);
    await settle();
    await workspace.post(ALICE, CHANNEL, '!ticket release', { threadTs: card.ts });
    await settle();
    expect((await ticketRow(ticket.id)).assigneeId).toBeNull();
    const history = await showTicket(td.tickets, SYSTEM_ACTOR, ticket.number);
    expect(history.messages.filter((m) => m.kind === 'reply')).toHaveLength(0);
    expect(history.messages.at(-1)!.text).toContain('released');
    expect(double.ephemerals.some((e) => e.user === ALICE && e.text.includes('Released'))).toBe(true);
  });

  it('closes with the card button and with the ✅ reaction', async () => {
    const a = await customerTicket('Button close');
    const res = await workspace.click(ALICE, CHANNEL, a.card.ts, 'Close');
    expect(res.status).toBe(200);
    await settle();
    expect((await ticketRow(a.ticket.id)).status).toBe('closed');
    expect(cardText(a.card)).toContain('closed');

    const b = await customerTicket('Reaction close');
    await workspace.react(ALICE, CHANNEL, b.card.ts, 'white_check_mark');
    await settle();
    expect((await ticketRow(b.ticket.id)).status).toBe('closed');
  });

  it('turns a thread message into a public reply after the undo window, and `note:` into a note', async () => {
    const { ticket, card } = await customerTicket('Reply from Slack');
    await workspace.post(ALICE, CHANNEL, 'note: checked the logs', { threadTs: card.ts });
    await workspace.post(ALICE, CHANNEL, 'Hello Carla, the toner was empty.', { threadTs: card.ts });
    await settle();
    const history = await showTicket(td.tickets, SYSTEM_ACTOR, ticket.number);
    expect(history.messages.filter((m) => m.kind === 'note').map((m) => m.text)).toEqual(['checked the logs']);
    const reply = history.messages.find((m) => m.kind === 'reply')!;
    expect(reply.text).toBe('Hello Carla, the toner was empty.');
    const [mail] = await td.database.db.select().from(outbox).where(eq(outbox.kind, 'mail.reply'));
    expect(mail).toBeDefined();
    // The reply was posted by Alice in the thread: it is not posted there a second time.
    expect(double.replies(CHANNEL, card.ts).filter((m) => m.text.includes('toner was empty'))).toHaveLength(1);
    // The first public reply claims the ticket.
    expect((await ticketRow(ticket.id)).status).toBe('in_progress');
  });

  it('lets an edit in the undo window change the mail, and a deletion cancel it', async () => {
    const { ticket, card } = await customerTicket('Undo window');
    const edited = await workspace.post(ALICE, CHANNEL, 'Dear Carla, tpyo', { threadTs: card.ts });
    const removed = await workspace.post(ALICE, CHANNEL, 'Sent too early', { threadTs: card.ts });
    await settle();
    await workspace.edit(ALICE, CHANNEL, edited.ts, 'Dear Carla, fixed.');
    await workspace.remove(ALICE, CHANNEL, removed.ts);
    await settle();
    const rows = await td.database.db.select().from(messages).where(eq(messages.ticketId, ticket.id));
    expect(rows.find((m) => m.kind === 'reply' && m.text === 'Dear Carla, fixed.')).toBeDefined();
    const cancelled = rows.find((m) => m.kind === 'reply' && m.text === 'Sent too early')!;
    expect(cancelled.cancelledAt).not.toBeNull();
    const mails = await td.database.db.select().from(outbox).where(eq(outbox.kind, 'mail.reply'));
    const cancelledMail = mails.find((r) => r.payload.messageId === cancelled.id)!;
    expect(cancelledMail.status).toBe('done');
    expect(cancelledMail.lastError).toContain('cancelled');
  });

  it('refuses a read-only agent and a stranger with an ephemeral answer, changing nothing', async () => {
    const { ticket, card } = await customerTicket('Not yours');
    await workspace.slash(RITA, CHANNEL, `claim #${ticket.number}`);
    await workspace.post(STRANGER, CHANNEL, 'I can help!', { threadTs: card.ts });
    await settle();
    const row = await ticketRow(ticket.id);
    expect(row.status).toBe('open');
    expect(row.assigneeId).toBeNull();
    const history = await showTicket(td.tickets, SYSTEM_ACTOR, ticket.number);
    expect(history.messages.some((m) => m.text.includes('I can help'))).toBe(false);
    expect(double.ephemerals.some((e) => e.user === RITA && /read-only/.test(e.text))).toBe(true);
    expect(double.ephemerals.some((e) => e.user === STRANGER && /not a threaddesk agent/.test(e.text))).toBe(true);
  });

  it('rejects forged and stale requests with 401 and changes nothing', async () => {
    const { ticket } = await customerTicket('Forged');
    const body = new URLSearchParams({ command: '/ticket', text: `claim #${ticket.number}`, user_id: ALICE, channel_id: CHANNEL, team_id: double.team.id, trigger_id: 'x', response_url: `${double.url}/nowhere` });
    const forged = await signedSlackRequest(eventsUrl, 'wrong-secret', body);
    const stale = await signedSlackRequest(eventsUrl, SECRET, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    await settle();
    expect((await ticketRow(ticket.id)).status).toBe('open');
  });

  it('opens 200 threads in creation order, none twice, while Slack answers every third call with 429', async () => {
    const before = new Set(double.messages.map((m) => m.ts));
    double.failEvery(3, { status: 429, retryAfter: 0 }, (method) => method === 'chat.postMessage');
    const numbers: string[] = [];
    const alice = await actorByEmail(td.database.db, 'alice@example.org');
    for (let i = 0; i < 200; i++) {
      const { ticket } = await createTicket(td.tickets, alice, { subject: `Burst ${i}`, departmentId: 'support', source: 'cli' });
      numbers.push(ticket.number);
    }
    await settle();
    double.clearFaults();
    const cards = double.messages.filter((m) => !before.has(m.ts) && m.channel === CHANNEL && !m.threadTs && m.text.includes('Burst'));
    const cardNumbers = cards.map((m) => numbers.find((n) => m.text.includes(n)));
    expect(cardNumbers).toEqual(numbers);
    expect(double.calls.some((c) => c.status === 429)).toBe(true);
  }, 180_000);
});
