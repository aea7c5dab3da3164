import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDouble } from '../doubles/slack-double.js';
import { cleanupCli, runCli, sandbox } from '../support/cli.js';

const config = `
agents: [{ email: alice@example.org, name: Alice }]
departments:
  - { id: support, name: Support, channels: { slack: C0IN }, members: [{ agent: alice@example.org, access: write }] }
  - { id: board, name: Board, channels: { slack: C0OUT }, members: [{ agent: alice@example.org, access: write }] }
`;

describe('threaddesk doctor with Slack', () => {
  let double: SlackDouble;
  beforeAll(async () => {
    double = await SlackDouble.start();
    double.addChannel({ id: 'C0IN', name: 'support', isMember: true });
    double.addChannel({ id: 'C0OUT', name: 'board', isMember: false });
  });
  afterAll(async () => {
    await cleanupCli();
    await double.close();
  });

  it('checks the token and says which channel the bot still has to be invited to', async () => {
    const sb = sandbox({ config, env: { SLACK_BOT_TOKEN: double.botToken, SLACK_SIGNING_SECRET: 'x', SLACK_API_URL: double.apiUrl } });
    const r = await runCli(sb, ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok\s+slack: token/);
    expect(r.stdout).toMatch(/ok\s+slack: channel C0IN/);
    expect(r.stdout).toMatch(/FIX\s+slack: channel C0OUT: the bot is not a member of #board: invite it/);
    expect(double.calls.some((c) => c.method === 'auth.test')).toBe(true);
  });

  it('reports a bad token and what to do', async () => {
    const sb = sandbox({ config, env: { SLACK_BOT_TOKEN: 'xoxb-wrong', SLACK_SIGNING_SECRET: 'x', SLACK_API_URL: double.apiUrl } });
    const r = await runCli(sb, ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FIX\s+slack: token/);
  });
});
