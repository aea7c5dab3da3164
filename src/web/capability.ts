// The web capability: customer pages (/contact, /status, /t/<token>), the agent console (/login,
// /console) and the console as the `web` chat adapter. It registers its adapter before the chat
// capability starts, so the chat sink mirrors tickets into the console like into Slack.
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { WebAdapter } from '../../adapters/web/adapter.js';
import { renderLiveEvent } from '../../adapters/web/live-render.js';
import type { Capability } from '../capability.js';
import { classifyThreadText } from '../chat/chat-inbound.js';
import { bootstrapAdminPasswords, loadServerSecret } from './agent-store.js';
import { WEB_CSS, WEB_JS } from './assets.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerConsoleRoutes } from './console-routes.js';
import { registerCustomerRoutes } from './customer-routes.js';
import { webBanner } from './banner.js';
import { publicUrlOf } from './public-url.js';
import { webLimits, webSettings, type WebContext } from './web-context.js';

export const webCapability: Capability = {
  name: 'web',
  async start(ctx) {
    const { config, env, logger, database } = ctx;
    const db = database.db;
    const secret = await loadServerSecret(db);
    const adapter = new WebAdapter({
      render: renderLiveEvent,
      classify: (text) => classifyThreadText(text, config.chat),
      undoSeconds: config.chat.undoSeconds,
    });
    ctx.chatAdapters.set('web', adapter);
    // Without SMTP_URL no mail leaves the host, so an invite could never arrive: admins get a
    // generated first password instead, printed once below.
    const firstPasswords = env.smtpUrl ? [] : await bootstrapAdminPasswords(db);

    let port = env.port;
    const publicUrl = publicUrlOf(config, port);
    const web: WebContext = {
      tickets: ctx.tickets,
      config,
      settings: webSettings(config),
      secret,
      logger: logger.child({ capability: 'web' }),
      adapter,
      cookies: { secure: publicUrl.startsWith('https:') },
      mailCaptured: !env.smtpUrl,
      limits: webLimits(),
      publicUrl: () => publicUrlOf(config, port),
      poke: ctx.pokeOutbox,
      tellOperator: (line) => process.stderr.write(`${line}\n`),
    };

    return {
      async routes(app: FastifyInstance) {
        await app.register(async (scope) => {
          await scope.register(cookie);
          await scope.register(formbody);
          await scope.register(multipart);
          scope.addHook('preClose', async () => adapter.hub.closeAll());
          scope.get('/assets/web.css', async (_req, reply) => reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(WEB_CSS));
          scope.get('/assets/web.js', async (_req, reply) =>
            reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(WEB_JS),
          );
          scope.get('/', async (_req, reply) => reply.redirect('/console', 302));
          registerCustomerRoutes(scope, web);
          registerAuthRoutes(scope, web, env);
          registerConsoleRoutes(scope, web);
        });
      },
      async afterListen(listening) {
        port = listening;
      },
      banner: (listening) => webBanner({ port: listening, publicUrl: web.publicUrl(), config, firstPasswords, mailCaptured: web.mailCaptured }),
      async stop() {
        adapter.hub.closeAll();
      },
    };
  },
};
