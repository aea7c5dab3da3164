// One department on Slack, Discord and Matrix at once (issue 5): a mail opens a thread on each,
// a reply written on Matrix shows on Slack and Discord and is mailed once, and `/ticket close`
// on Discord closes every card. Real SDKs against the three wire-level doubles.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickets, ticketThreads } from '../../src/db/schema.js';
import type { Threaddesk } from '../../src/main.js';
import { DiscordDouble } from '../doubles/discord-double.js';
import { DiscordPeople } from '../doubles/discord-people.js';
import { MatrixDouble } from '../doubles/matrix-double.js';
import { SlackDouble } from '../doubles/slack-double.js';
import { sendRaw, type RecordingSmtp } from '../mail-bridge/recording-smtp.js';
import { startMailChatServer, type MailChatServer } from './mail-chat-server.js';
import { MatrixPeople } from './matrix-people.js';

const SLACK_CHANNEL = 'C0CROSS';
const SLACK_ALICE = 'U0ALICE';
const ROOM = '!cross:double.test';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one ticket live on Slack, Discord and Matrix at once', () => {
  let slack: SlackDouble;
  let discord: DiscordDouble;
  let matrix: MatrixDouble;
  let server: MailChatServer;
  let smtp: RecordingSmtp;
  let td: Threaddesk;
  let discordChannel: string;
  let discordAlice: string;
  let matrixAlice: string;

  beforeAll(async () => {
    slack = await SlackDouble.start();
    slack.addUser({ id: SLACK_ALICE, name: 'alice', email: 'alice@example.org' });
    slack.addChannel({ id: SLACK_CHANNEL, name: 'support', members: [SLACK_ALICE] });
    discord = await DiscordDouble.start();
    const guild = discord.addGuild();
    discordAlice = discord.addUser(guild, { username: 'alice', globalName: 'Alice' }).id;
    discordChannel = discord.addChannel(guild, 'support').id;
    matrix = await MatrixDouble.start();
    matrixAlice = matrix.addUser('alice', 'Alice').userId;
    matrix.addRoom({ roomId: ROOM, name: 'Support', members: [matrixAlice] });
    server = await startMailChatServer({
      chat: {
        slack: { botToken: slack.botToken, signingSecret: 'cross-secret', apiUrl: slack.apiUrl },
        discord: { token: discord.token, applicationId: discord.applicationId, apiUrl: discord.apiUrl, guildIds: [guild.id] },
        matrix: { homeserverUrl: matrix.url, accessToken: matrix.bot.accessToken },
      },
      config: {
        chat: { undoSeconds: 1 },
        agents: [{ email: 'alice@example.org', name: 'Alice', slack: SLACK_ALICE, discord: discordAlice, matrix: matrixAlice }],
        departments: [
          {
            id: 'support',
            name: 'Support',
            emails: ['support@example.org'],
            channels: { slack: SLACK_CHANNEL, discord: discordChannel, matrix: ROOM },
            members: [{ agent: 'alice@example.org', access: 'write' }],
          },
        ],
      },
    });
    ({ td, smtp } = server);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await Promise.all([slack?.close(), discord?.close(), matrix?.close()]);
  });

  const until: MailChatServer['until'] = (what, probe, tries) => server.until(what, probe, tries);

  const threadOf = async (ticketId: number, platform: string) =>
    (await td.database.db.select().from(ticketThreads).where(and(eq(ticketThreads.ticketId, ticketId), eq(ticketThreads.platform, platform))))[0];
  const discordText = (channelId: string) => JSON.stringify(discord.channelMessages(channelId));
  const matrixText = () => JSON.stringify(matrix.timeline(ROOM).map((s) => matrix.visibleContent(ROOM, s.event.event_id) ?? s.event.content));

  it('opens three threads for a mail, mirrors a Matrix reply to the others, mails it once, and closes every card from Discord', async () => {
    const raw = Buffer.from(
      ['From: Carla <carla@customer.example>', 'To: support@example.org', 'Subject: Projector flickers', 'Message-ID: <cross-1@customer.example>', 'Content-Type: text/plain; charset=utf-8', '', 'The projector in room 2 flickers.', ''].join('\r\n'),
    );
    await sendRaw(server.listenPort, raw, { from: 'carla@customer.example', to: ['support@example.org'] });
    const ticket = await until('the ticket', async () => (await td.database.db.select().from(tickets).where(eq(tickets.subject, 'Projector flickers')))[0]);

    const [s, d, m] = await until('a thread on each platform', async () => {
      const all = await Promise.all(['slack', 'discord', 'matrix'].map((p) => threadOf(ticket.id, p)));
      return all.every(Boolean) ? all : undefined;
    });
    await until('the customer message everywhere', () =>
      slack.replies(SLACK_CHANNEL, s!.threadId).some((x) => x.text.includes('flickers')) && discordText(d!.threadId).includes('flickers') && matrixText().includes('room 2 flickers'),
    );

    // Alice answers on Matrix, in the ticket's thread.
    new MatrixPeople(matrix).threadMessage(matrixAlice, ROOM, m!.threadId, 'Hi Carla, we replaced the cable.');
    await until('the Matrix reply on Slack and Discord', () =>
      slack.replies(SLACK_CHANNEL, s!.threadId).some((x) => x.text.includes('replaced the cable')) && discordText(d!.threadId).includes('replaced the cable'),
    );
    const mailed = await smtp.waitFor((x) => x.raw.toString().includes('replaced the cable'), 20_000);
    expect(mailed.to).toContain('carla@customer.example');
    await sleep(1_500);
    expect(smtp.mails.filter((x) => x.raw.toString().includes('replaced the cable'))).toHaveLength(1);
    // Attributed and marked with where it was written.
    expect(slack.replies(SLACK_CHANNEL, s!.threadId).find((x) => x.text.includes('replaced the cable'))!.text).toMatch(/Alice/);

    // `/ticket close` inside the Discord thread closes the ticket; every card shows it.
    const cards = () => [
      JSON.stringify(slack.message(SLACK_CHANNEL, s!.cardMessageId)),
      JSON.stringify(discord.message(d!.cardMessageId)),
      JSON.stringify(matrix.visibleContent(ROOM, m!.cardMessageId)),
    ];
    expect(cards().map((c) => /closed/i.test(c))).toEqual([false, false, false]);
    new DiscordPeople(discord).slashText(discordAlice, d!.threadId, 'close');
    await until('the ticket closed', async () => (await td.database.db.select().from(tickets).where(eq(tickets.id, ticket.id)))[0]!.status === 'closed');
    await until('every card closed', () => cards().every((c) => /closed/i.test(c)));
  }, 120_000);
});
