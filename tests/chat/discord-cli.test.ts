import { ChannelType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordDouble } from '../doubles/discord-double.js';
import { cleanupCli, runCli, sandbox } from '../support/cli.js';

describe('threaddesk discord register and doctor', () => {
  let double: DiscordDouble;
  let guildId: string;
  let channelId: string;
  beforeAll(async () => {
    double = await DiscordDouble.start();
    const guild = double.addGuild();
    guildId = guild.id;
    channelId = double.addChannel(guild, 'support', ChannelType.GuildText).id;
  });
  afterAll(async () => {
    await cleanupCli();
    await double.close();
  });

  const env = () => ({ DISCORD_TOKEN: double.token, DISCORD_APPLICATION_ID: double.applicationId, DISCORD_API_URL: double.apiUrl, DISCORD_GUILD_IDS: guildId });
  const config = () => `
agents: [{ email: alice@example.org, name: Alice }]
departments:
  - { id: support, name: Support, channels: { discord: "${channelId}" }, members: [{ agent: alice@example.org, access: write }] }
`;

  it('registers /ticket in the configured guild, and again without duplicating it', async () => {
    const sb = sandbox({ config: config(), env: env() });
    const first = await runCli(sb, ['discord', 'register']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Registered /ticket in 1 guild(s)`);
    await runCli(sb, ['discord', 'register']);
    const commands = double.commands.get(guildId) ?? [];
    expect(commands.map((c) => c.name)).toEqual(['ticket']);
  });

  it('doctor checks the token, the guild, the channel and the command registration', async () => {
    const sb = sandbox({ config: config(), env: env() });
    const r = await runCli(sb, ['doctor']);
    expect(r.stdout).toMatch(/discord/i);
    expect(r.stdout).not.toMatch(/FIX\s+discord.*token/i);
    const bad = await runCli(sandbox({ config: config(), env: { ...env(), DISCORD_TOKEN: 'wrong' } }), ['doctor']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FIX\s+.*discord/i);
  });
});
