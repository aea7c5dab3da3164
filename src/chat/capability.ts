// Chat: the adapters configured in the environment (Slack, Discord, Matrix) plus any
// a capability registered before us (the web console), one `chat` outbox sink mirroring tickets
// to all of them, and the inbound handlers turning agents' chat actions into use cases.
import type { FastifyInstance } from 'fastify';
import type { ChatAdapter } from '../../adapters/chat-port.js';
import { handleSlackHttp, SlackAdapter } from '../../adapters/slack/index.js';
import type { Capability } from '../capability.js';
import { DomainError } from '../domain/errors.js';
import { createChatHandlers } from './chat-inbound.js';
import { ChatSink } from './chat-sink.js';
import { checkpointStore } from './checkpoint-store.js';
import { DiscordAdapter } from '../../adapters/discord/index.js';
import { MatrixAdapter } from '../../adapters/matrix/index.js';

export const chatCapability: Capability = {
  name: 'chat',
  async start(ctx) {
    const { env, config, logger } = ctx;
    const adapters = ctx.chatAdapters;
    const s = env.slack;
    let slack: SlackAdapter | null = null;
    if (s) {
      if (!s.signingSecret && !s.appToken) {
        throw new DomainError('config', 'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: without it Slack requests cannot be verified. Set it (or SLACK_APP_TOKEN for Socket Mode).');
      }
      slack = new SlackAdapter({
        botToken: s.botToken,
        signingSecret: s.signingSecret ?? '',
        appToken: s.appToken,
        apiUrl: s.apiUrl,
        logger: logger.child({ platform: 'slack' }),
      });
      adapters.set('slack', slack);
    }
    const channelsOf = (platform: 'discord' | 'matrix') => config.departments.map((d) => d.channels[platform]).filter((c): c is string => !!c);
    if (env.discord) {
      if (!env.discord.applicationId) {
        throw new DomainError('config', 'DISCORD_TOKEN is set but DISCORD_APPLICATION_ID is not: it is needed to register /ticket (Discord developer portal → your application → Application ID).');
      }
      adapters.set('discord', new DiscordAdapter({ ...env.discord, logger: logger.child({ platform: 'discord' }) }));
    }
    if (env.matrix) {
      adapters.set(
        'matrix',
        new MatrixAdapter({ ...env.matrix, rooms: channelsOf('matrix'), store: checkpointStore(ctx.database.db, 'matrix:'), logger: logger.child({ platform: 'matrix' }) }),
      );
    }
    const handlers = createChatHandlers({
      tickets: ctx.tickets,
      behaviour: config.chat,
      adapter: (platform) => adapters.get(platform),
      changed: ctx.pokeOutbox,
      logger,
    });
    const started: ChatAdapter[] = [];
    return {
      sinks: { chat: new ChatSink(ctx.database.db, adapters) },
      async routes(app: FastifyInstance) {
        if (!slack) return;
        const adapter = slack;
        // Slack signs the raw bytes: the body must reach the adapter unparsed.
        await app.register(async (scope) => {
          scope.removeAllContentTypeParsers();
          scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
          scope.post('/slack/events', async (req, reply) => {
            const r = await handleSlackHttp(adapter, { rawBody: req.body as Buffer, headers: req.headers });
            return reply.code(r.status).headers(r.headers).send(r.body);
          });
        });
      },
      async afterListen() {
        for (const adapter of adapters.values()) {
          await adapter.start(handlers);
          started.push(adapter);
        }
        if (adapters.size > 0) logger.info({ platforms: [...adapters.keys()], port: env.port }, 'chat adapters started');
      },
      async stop() {
        for (const adapter of started.reverse()) await adapter.stop();
      },
    };
  },
};
