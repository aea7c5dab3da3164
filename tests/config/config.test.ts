// threaddesk.yaml: validation errors a person can act on, where the file comes from, the shipped
// example, and `threaddesk doctor` / `threaddesk start` on good and broken configs.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { configSchema } from '../../src/config/schema.js';
import { DomainError } from '../../src/domain/errors.js';
import { cleanupCli, REPO_ROOT, runCli, sandbox, type Sandbox } from '../support/cli.js';

afterAll(cleanupCli);

type Raw = {
  tickets?: Record<string, unknown>;
  agents: Record<string, unknown>[];
  departments: { members?: Record<string, unknown>[]; emails?: string[]; [k: string]: unknown }[];
  [k: string]: unknown;
};

const valid = (): Raw => ({
  agents: [
    { email: 'alice@example.org', name: 'Alice' },
    { email: 'rita@example.org', name: 'Rita' },
  ],
  departments: [
    {
      id: 'support',
      name: 'Support',
      emails: ['support@example.org'],
      members: [
        { agent: 'alice@example.org', access: 'write' },
        { agent: 'rita@example.org', access: 'read' },
      ],
    },
  ],
});

/** The message of the error parseConfig throws for `raw` (fails the test if it parses). */
function errorFor(raw: unknown): string {
  try {
    parseConfig(raw, 'threaddesk.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return (err as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseConfig', () => {
  it('accepts a valid config and fills in the defaults', () => {
    const config = parseConfig(valid());
    expect(config.tickets.numberFormat).toBe('{date}{seq:6}');
    expect(config.agents[0]).toMatchObject({ email: 'alice@example.org', role: 'agent' });
    expect(config.departments[0]).toMatchObject({ muted: false, members: [{ agent: 'alice@example.org', access: 'write' }, { agent: 'rita@example.org', access: 'read' }] });
  });

  it('names the key path and the allowed values of a bad access level', () => {
    const raw = valid();
    raw.departments[0]!.members![0]!.access = 'admin';
    const msg = errorFor(raw);
    expect(msg).toContain('threaddesk.yaml');
    expect(msg).toMatch(/departments\[0\]\.members\[0\]\.access: .*"read".*"write"/);
  });

  it('names an unknown key instead of ignoring it', () => {
    const top = errorFor({ ...valid(), colour: 'blue' });
    expect(top).toMatch(/Unrecognized key.*"colour"/);
    const raw = valid();
    raw.departments[0]!.channel = '#support';
    expect(errorFor(raw)).toMatch(/departments\[0\]: Unrecognized key.*"channel"/);
  });

  it('names a member that is not listed under agents', () => {
    const raw = valid();
    raw.departments[0]!.members!.push({ agent: 'mallory@example.org', access: 'write' });
    expect(errorFor(raw)).toMatch(/departments\[0\]\.members\[2\]\.agent: "mallory@example\.org" is not listed under agents/);
  });

  it('names a department email that another department already has, whatever its case', () => {
    const raw = valid();
    raw.departments.push({ id: 'board', name: 'Board', emails: ['board@example.org', 'Support@Example.org'] });
    expect(errorFor(raw)).toMatch(/departments\[1\]\.emails\[1\]: "support@example\.org" already belongs to department "support"/);
  });

  it('names an invalid ticket number format and says what is wrong with it', () => {
    expect(errorFor({ ...valid(), tickets: { numberFormat: '{date}' } })).toMatch(/tickets\.numberFormat: must contain \{seq\}/);
    expect(errorFor({ ...valid(), tickets: { numberFormat: '{date} {seq:4}' } })).toMatch(/tickets\.numberFormat: may only contain/);
  });

  it('says that at least one department is needed', () => {
    expect(errorFor({ ...valid(), departments: [] })).toMatch(/departments: needs at least one department/);
  });

  it('lists every problem, one line each', () => {
    const raw = valid();
    raw.departments[0]!.members![0]!.access = 'owner';
    raw.agents[1]!.role = 'boss';
    const lines = errorFor(raw).split('\n').filter((l) => l.startsWith('  - '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).toMatch(/agents\[1\]\.role/);
  });
});

describe('loadConfig: where the configuration comes from', () => {
  let dir: string;
  let savedCwd: string;
  let savedVar: string | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'threaddesk-config-'));
    savedCwd = process.cwd();
    savedVar = process.env.THREADDESK_CONFIG;
    delete process.env.THREADDESK_CONFIG;
  });
  afterEach(() => {
    process.chdir(savedCwd);
    if (savedVar === undefined) delete process.env.THREADDESK_CONFIG;
    else process.env.THREADDESK_CONFIG = savedVar;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with the path when THREADDESK_CONFIG names a file that does not exist', () => {
    const missing = path.join(dir, 'nope', 'threaddesk.yaml');
    process.env.THREADDESK_CONFIG = missing;
    expect(() => loadConfig()).toThrow(missing);
  });

  it('uses the demo config (one department, one admin) with no file and no variable', () => {
    process.chdir(dir);
    const loaded = loadConfig();
    expect(loaded.source).toBeNull();
    expect(loaded.config.departments).toHaveLength(1);
    expect(loaded.config.agents).toHaveLength(1);
    expect(loaded.config.agents[0]!.role).toBe('admin');
    expect(loaded.config.departments[0]!.members).toEqual([{ agent: loaded.config.agents[0]!.email, access: 'write' }]);
  });

  it('reads ./threaddesk.yaml from the working directory when the variable is unset', () => {
    process.chdir(dir);
    writeFileSync('threaddesk.yaml', 'agents: [{ email: Alice@Example.org, name: Alice }]\ndepartments: [{ id: sales, name: Sales, members: [{ agent: alice@example.org, access: write }] }]\n');
    const loaded = loadConfig();
    expect(loaded.source).toBe('./threaddesk.yaml');
    expect(loaded.config.departments.map((d) => d.id)).toEqual(['sales']);
    expect(loaded.config.agents[0]!.email).toBe('alice@example.org');
  });

  it('names the file and the problem when it is not valid YAML', () => {
    const file = path.join(dir, 'broken.yaml');
    writeFileSync(file, 'departments:\n  - id: support\n    name: [unclosed\n');
    process.env.THREADDESK_CONFIG = file;
    expect(() => loadConfig()).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*not valid YAML`));
  });
});

describe('threaddesk.example.yaml', () => {
  const file = path.join(REPO_ROOT, 'threaddesk.example.yaml');

  it('parses without error and uses every top-level key of the schema', () => {
    expect(existsSync(file), `${file} should exist (the documented example config)`).toBe(true);
    const doc = parseDocument(readFileSync(file, 'utf8'));
    expect(doc.errors.map((e) => e.message)).toEqual([]);
    const raw = doc.toJS() as Record<string, unknown>;
    expect(() => loadConfig(file)).not.toThrow();
    expect(Object.keys(raw).sort()).toEqual(Object.keys(configSchema.shape).sort());
  });
});

describe('threaddesk doctor and start on the command line', () => {
  const VALID_YAML = `agents:
  - { email: alice@example.org, name: Alice }
departments:
  - id: support
    name: Support
    emails: [support@example.org]
    members: [{ agent: alice@example.org, access: write }]
`;

  // One sandbox for both doctor runs, so the embedded database is created only once.
  let sb: Sandbox;

  it('doctor exits 0 and reports the config and the database as ok with a valid config', async () => {
    sb = sandbox({ config: VALID_YAML });
    const r = await runCli(sb, ['doctor']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok\s+config: .*threaddesk\.yaml.*1 department/m);
    expect(r.stdout).toMatch(/^ok\s+database: /m);
    expect(r.stdout).not.toMatch(/^FIX/m);
  }, 60_000);

  it('doctor exits non-zero and names the broken key', async () => {
    const broken = path.join(sb.dir, 'broken.yaml');
    writeFileSync(broken, VALID_YAML.replace('access: write', 'access: owner'));
    const r = await runCli(sb, ['doctor'], { env: { THREADDESK_CONFIG: broken } });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/^FIX\s+config/m);
    expect(r.stdout + r.stderr).toContain('departments[0].members[0].access');
  }, 60_000);

  it('start refuses to run with a missing THREADDESK_CONFIG file and names the path', async () => {
    const sb = sandbox();
    const missing = path.join(sb.dir, 'missing.yaml');
    const r = await runCli(sb, ['start'], { env: { THREADDESK_CONFIG: missing, PORT: '0' }, timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(missing);
    expect(existsSync(path.join(sb.dir, 'data', 'control.json'))).toBe(false);
  }, 60_000);
});
