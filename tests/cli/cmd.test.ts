// `threaddesk cmd` end to end: the real CLI on the embedded database (no server running),
// with the config of the ticket-core issue written as YAML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupCli, cmd, jsonOut, sandbox, type CliResult, type Sandbox } from '../support/cli.js';

const CONFIG = `
agents:
  - { email: alice@example.org, name: Alice }
  - { email: rita@example.org, name: Rita }
  - { email: olga@example.org, name: Olga }
departments:
  - id: support
    name: Support
    emails: [support@example.org]
    members:
      - { agent: alice@example.org, access: write }
      - { agent: rita@example.org, access: read }
helpTopics:
  - id: donation-request
    name: Donation request
    department: support
    fields:
      - id: proof
        label: Eligibility proof filed
        type: select
        options: ["yes", "no"]
        requiredToClose: true
`;

const ALICE = 'alice@example.org';
const RITA = 'rita@example.org';
const OLGA = 'olga@example.org';

interface TicketJson {
  number: string;
  subject: string;
  state: string;
  status: string;
  priority: string;
  department: string;
  requester: string | null;
  assignee: string | null;
  fields: Record<string, string>;
  tags: string[];
}
interface ShowJson extends TicketJson {
  messages: { kind: string; author: string; text: string; createdAt: string }[];
}

/** Expects a successful run and returns its JSON. */
function ok<T = TicketJson>(r: CliResult): T {
  expect(r.stderr, `stderr of a successful command`).toBe('');
  expect(r.code).toBe(0);
  return jsonOut<T>(r);
}

let sb: Sandbox;
let number = '';
let second = '';
/** `show --json` of the ticket after the lifecycle steps, to compare with later. */
let history: ShowJson | undefined;

beforeAll(() => {
  sb = sandbox({ config: CONFIG });
});
afterAll(cleanupCli);

describe('threaddesk cmd on the embedded database', () => {
  it('prints the number of a new ticket in plain output', async () => {
    const r = await cmd(sb, ALICE, 'new --dept support --topic donation-request Printer broken');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /#(\d{14})\b/.exec(r.stdout);
    expect(m, `a #<number> in: ${r.stdout}`).not.toBeNull();
    number = m![1]!;
    expect(r.stdout).toContain('Printer broken');
  }, 60_000);

  it('prints the ticket as JSON with --json', async () => {
    const t = ok(await cmd(sb, ALICE, 'new --dept support --topic donation-request Toner empty', { json: true }));
    expect(t).toMatchObject({
      subject: 'Toner empty',
      state: 'open',
      status: 'open',
      priority: 'normal',
      department: 'support',
      requester: null,
      assignee: null,
      fields: {},
      tags: [],
    });
    expect(t.number).toMatch(/^\d{14}$/);
    expect(t.number).not.toBe(number);
    second = t.number;
  }, 60_000);

  it('claims the ticket for the acting agent', async () => {
    const t = ok(await cmd(sb, ALICE, `claim #${number}`, { json: true }));
    expect(t).toMatchObject({ number, status: 'in_progress', assignee: ALICE });
  }, 60_000);

  it('sets the status to waiting and releases the assignee', async () => {
    const t = ok(await cmd(sb, ALICE, `status #${number} waiting`, { json: true }));
    expect(t).toMatchObject({ number, state: 'open', status: 'waiting', assignee: null });
  }, 60_000);

  it('refuses to close while the required field proof is empty', async () => {
    const r = await cmd(sb, ALICE, `close #${number}`);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/proof/);
    expect(r.stderr).toMatch(/field proof=/);
  }, 60_000);

  it('closes once the field is set, and reopens', async () => {
    const withField = ok(await cmd(sb, ALICE, `field #${number} proof=yes`, { json: true }));
    expect(withField.fields).toEqual({ proof: 'yes' });
    expect(withField.status).toBe('waiting');

    const closed = ok(await cmd(sb, ALICE, `close #${number}`, { json: true }));
    expect(closed).toMatchObject({ state: 'closed', status: 'closed' });

    const reopened = ok(await cmd(sb, ALICE, `reopen #${number}`, { json: true }));
    expect(reopened).toMatchObject({ state: 'open', status: 'open', fields: { proof: 'yes' } });
  }, 90_000);

  it('shows the history: every change an event message, in order', async () => {
    const show = ok<ShowJson>(await cmd(sb, ALICE, `show #${number}`, { json: true }));
    expect(show).toMatchObject({ number, subject: 'Printer broken', state: 'open', department: 'support' });
    expect(Array.isArray(show.messages)).toBe(true);
    for (const m of show.messages) {
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['kind', 'author', 'text', 'createdAt']));
      expect(m.kind).toBe('event');
      expect(m.author).toBe(ALICE);
      expect(Number.isNaN(Date.parse(m.createdAt))).toBe(false);
    }
    const times = show.messages.map((m) => Date.parse(m.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The refused close left no trace; the rest is the audit log in the order it happened.
    const expected = [/opened/i, /claimed/i, /waiting/i, /proof|Eligibility/i, /closed/i, /reopened/i];
    expect(show.messages).toHaveLength(expected.length);
    show.messages.forEach((m, i) => expect(m.text).toMatch(expected[i]!));
    history = show;
  }, 60_000);

  it('refuses changes by a read-only member and by a non-member, leaving the ticket unchanged', async () => {
    expect(history, 'the history test ran first').toBeDefined();

    const rita = await cmd(sb, RITA, `claim #${number}`);
    expect(rita.code).not.toBe(0);
    expect(rita.stdout).toBe('');
    expect(rita.stderr).toMatch(/^error: .*read-only/m);
    expect(rita.stderr).toContain(number);

    const olga = await cmd(sb, OLGA, `status #${number} waiting`);
    expect(olga.code).not.toBe(0);
    expect(olga.stdout).toBe('');
    expect(olga.stderr).toMatch(/^error: .*not a member/m);

    const olgaReads = await cmd(sb, OLGA, `show #${number}`);
    expect(olgaReads.code).not.toBe(0);
    expect(olgaReads.stderr).toMatch(/^error: .*no access/im);

    const after = ok<ShowJson>(await cmd(sb, ALICE, `show #${number}`, { json: true }));
    expect(after).toEqual(history);
  }, 120_000);

  it('lets a read-only member look at the ticket', async () => {
    const show = ok<ShowJson>(await cmd(sb, RITA, `show #${number}`, { json: true }));
    expect(show.number).toBe(number);
  }, 60_000);

  it('rejects an agent that does not exist with a clear error', async () => {
    const r = await cmd(sb, 'nobody@example.org', 'list');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^error: .*nobody@example\.org/m);
  }, 60_000);

  it('exits with code 2 and lists the verbs for an unknown verb', async () => {
    const r = await cmd(sb, ALICE, `frobnicate #${number}`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('frobnicate');
    for (const verb of ['claim', 'close', 'status', 'new', 'show', 'list', 'help']) expect(r.stderr).toContain(verb);
  }, 60_000);

  it('exits with code 2 and shows the usage for bad arguments', async () => {
    const r = await cmd(sb, ALICE, `priority #${number} extreme`);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('extreme');
    expect(r.stderr).toMatch(/Usage: priority .*low\|normal\|high\|urgent/);
  }, 60_000);

  it('lists tickets as a JSON array', async () => {
    const list = ok<TicketJson[]>(await cmd(sb, ALICE, 'list', { json: true }));
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((t) => t.number).sort()).toEqual([number, second].sort());
    expect(list.find((t) => t.number === number)).toMatchObject({ subject: 'Printer broken', status: 'open' });
  }, 60_000);

  it('lists the verbs with help', async () => {
    const r = await cmd(sb, ALICE, 'help');
    expect(r.code).toBe(0);
    for (const verb of ['claim', 'release', 'assign', 'status', 'close', 'reopen', 'field', 'new', 'list', 'show', 'help']) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${verb}\\b`, 'm'));
    }
  }, 60_000);
});
