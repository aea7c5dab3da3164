// The Slack side of the chat contract: the Web API double, a fastify server that mounts
// `POST /slack/events` exactly as the HTTP layer does, the adapter pointed at both, and the
// drivers/inspectors of ContractHarness implemented with Slack's own shapes.
import Fastify, { type FastifyInstance } from 'fastify';
import { handleSlackHttp, SlackAdapter, type SlackAdapterOptions } from '../../adapters/slack/index.js';
import { SlackDouble, type DoubleMessage } from '../doubles/slack-double.js';
import type { ContractHarness, RenderedMessage } from './contract.js';
import { SlackWorkspace } from './slack-workspace.js';

export const SIGNING_SECRET = 'double-signing-secret';
export const CHANNEL = 'C0SUPPORT';
export const ALICE = 'U0ALICE';
export const BOB = 'U0BOB';

export interface SlackHarness extends ContractHarness {
  adapter: SlackAdapter;
  double: SlackDouble;
  workspace: SlackWorkspace;
  eventsUrl: string;
}

// Which ✋/✅… a person picks in Slack's emoji picker (deliberately not the adapter's own table).
const SLACK_NAMES: Record<string, string> = { '✅': 'white_check_mark', '✋': 'raised_hand', '⏳': 'hourglass_flowing_sand', '👀': 'eyes', '🚫': 'no_entry_sign', '🔓': 'unlock' };

type Json = Record<string, unknown>;
const TOKEN = /<([^<>]+)>/g;
const PINGING_TOKEN = /^(?:!channel|!here|!everyone|!subteam\^|@[UW])/;

/** Text objects of a Block Kit message, with whether Slack would parse bare @channel in them. */
function textObjects(blocks: unknown[]): Array<{ text: string; parsesNames: boolean }> {
  const out: Array<{ text: string; parsesNames: boolean }> = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const o = value as Json;
    if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') {
      // Slack: mrkdwn text objects auto-parse names and mentions unless verbatim is true.
      out.push({ text: o.text, parsesNames: o.type === 'mrkdwn' && o.verbatim !== true });
      return;
    }
    for (const key of ['text', 'fields', 'elements']) visit(o[key]);
  };
  visit(blocks);
  return out;
}

/** What a Slack reader sees, and which mentions would notify someone. */
export function renderSlack(id: string, text: string, blocks: unknown[] | undefined, linkNames: boolean, files: string[] = []): RenderedMessage {
  const sources = blocks ? textObjects(blocks) : [{ text, parsesNames: linkNames }];
  const pings: string[] = [];
  const shown = sources.map(({ text: source, parsesNames }) => {
    for (const [, inner = ''] of source.matchAll(TOKEN)) if (PINGING_TOKEN.test(inner)) pings.push(`<${inner}>`);
    if (parsesNames) for (const m of source.matchAll(/(?:^|\s)@(channel|here|everyone)\b/g)) pings.push(`@${m[1]}`);
    return source
      .replace(TOKEN, (_m, inner: string) => {
        const [target = '', label] = inner.split('|');
        return label ?? (target.startsWith('@') ? target : target.startsWith('!') ? `@${target.slice(1)}` : target);
      })
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  });
  return { id, text: shown.join('\n'), pings, files };
}

function renderMessage(m: DoubleMessage): RenderedMessage {
  return renderSlack(m.ts, m.text, m.blocks, m.linkNames, m.files.map((f) => f.title || f.name));
}

export async function createSlackHarness(options: Partial<SlackAdapterOptions> = {}): Promise<SlackHarness> {
  const double = await SlackDouble.start();
  double.addUser({ id: ALICE, name: 'alice', realName: 'Alice Agent', email: 'alice@example.test' });
  double.addUser({ id: BOB, name: 'bob', realName: 'Bob Other', email: 'bob@example.test' });
  double.addChannel({ id: CHANNEL, name: 'support' });

  const adapter = new SlackAdapter({ botToken: double.botToken, signingSecret: SIGNING_SECRET, apiUrl: double.apiUrl, ...options });
  // The mount the HTTP layer uses: raw bytes in (for the signature), Bolt's answer out.
  const server: FastifyInstance = Fastify();
  await server.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post('/slack/events', async (req, reply) => {
      const res = await handleSlackHttp(adapter, { rawBody: req.body as Buffer, headers: req.headers });
      return reply.code(res.status).headers(res.headers).send(res.body);
    });
  });
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  const eventsUrl = `${address}/slack/events`;
  const workspace = new SlackWorkspace(double, eventsUrl, SIGNING_SECRET);

  const settle = async () => {
    // Handlers may post (which Slack echoes back), so repeat until nothing new was delivered.
    for (let round = 0; round < 10; round += 1) {
      const before = workspace.deliveries.length;
      await workspace.idle();
      await adapter.settled();
      await workspace.idle();
      if (workspace.deliveries.length === before) return;
    }
  };

  return {
    adapter, double, workspace, eventsUrl, channelId: CHANNEL, users: { agent: ALICE, other: BOB },
    async simulateThreadMessage(thread, userId, text, opts = {}) {
      return (await workspace.post(userId, thread.channelId, text, { threadTs: thread.threadId, files: opts.files })).ts;
    },
    async simulateEdit(thread, messageId, userId, text) {
      await workspace.edit(userId, thread.channelId, messageId, text);
    },
    async simulateDelete(thread, messageId, userId) {
      await workspace.remove(userId, thread.channelId, messageId);
    },
    async simulateCommand(text, { userId, threadId }) {
      // Slack has no slash commands in threads: there people type `!ticket …`.
      if (threadId) await workspace.post(userId, CHANNEL, `!ticket ${text}`, { threadTs: threadId });
      else await workspace.slash(userId, CHANNEL, text);
    },
    async simulateReaction(thread, messageId, emoji, { userId }) {
      const name = SLACK_NAMES[emoji];
      if (!name) throw new Error(`no Slack name known for ${emoji}`);
      await workspace.react(userId, thread.channelId, messageId, name);
    },
    async simulateButton(thread, verb, { userId }) {
      await workspace.click(userId, thread.channelId, thread.cardMessageId, verb);
    },
    async threadMessages(thread) {
      return double.replies(thread.channelId, thread.threadId).map(renderMessage);
    },
    async cardOf(thread) {
      const card = double.message(thread.channelId, thread.cardMessageId);
      if (!card) throw new Error(`card ${thread.cardMessageId} not found in ${thread.channelId}`);
      return renderMessage(card);
    },
    async channelMessageIds(channelId) {
      return double.messages.filter((m) => m.channel === channelId && !m.deleted).map((m) => m.ts);
    },
    async ephemeralsFor(userId) {
      return double.ephemerals.filter((e) => e.user === userId).map((e, i) => renderSlack(`ephemeral-${i}`, e.text, e.blocks, false));
    },
    settle,
    async close() {
      await settle();
      await server.close();
      await double.close();
    },
  };
}
