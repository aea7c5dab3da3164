// The composition root: config → database → use cases → outbox worker → HTTP. Nothing is
// created at import time; `startThreaddesk` builds it all and `stop` takes it down in order.
import { randomBytes } from 'node:crypto';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { runCommandAs } from '../commands/run-as.js';
import { loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { readEnv, type Env } from './config/env.js';
import { createDb, type Database } from './db/create-db.js';
import { DomainError } from './domain/errors.js';
import { buildHttpServer } from './http/server.js';
import { createMetrics } from './http/metrics.js';
import { LogSink, OutboxWorker } from './outbox/worker.js';
import { syncConfig } from './tickets/config-sync.js';
import { ticketContext, type TicketContext } from './tickets/context.js';
import { claimDataDir, publishControl, releaseDataDir } from './control-file.js';
import type { Capability, CapabilityContext, StartedCapability } from './capability.js';
import { mailCapability } from './mail/capability.js';
import { chatCapability } from './chat/capability.js';
import { webCapability } from './web/capability.js';

/** What the server runs besides the core; each entry is one capability (mail, chat, web). */
const CAPABILITIES: Capability[] = [mailCapability, webCapability, chatCapability];

export interface Threaddesk {
  env: Env;
  config: Config;
  database: Database;
  tickets: TicketContext;
  worker: OutboxWorker;
  http: FastifyInstance;
  logger: Logger;
  /** The port actually bound (PORT=0 picks a free one). */
  port: number;
  chatAdapters: CapabilityContext['chatAdapters'];
  stop(): Promise<void>;
}

export function settingsFrom(config: Config) {
  return {
    numbering: { prefix: config.tickets.numberPrefix, format: config.tickets.numberFormat },
    subjectToken: config.tickets.subjectToken,
    undoSeconds: config.chat.undoSeconds,
  };
}

/** Opens the database, applies migrations and syncs the config: what every entry point needs. */
export async function openStore(env: Env, config: Config): Promise<{ database: Database; tickets: TicketContext }> {
  const database = await createDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
  try {
    await database.migrate();
    await syncConfig(database.db, config);
  } catch (err) {
    await database.close();
    throw err;
  }
  return { database, tickets: ticketContext(database.db, settingsFrom(config)) };
}

export async function startThreaddesk(options: { env?: Env; config?: Config; logger?: Logger } = {}): Promise<Threaddesk> {
  const env = options.env ?? readEnv();
  const logger = options.logger ?? pino({ level: env.logLevel });
  const loaded = options.config ? { config: options.config, source: 'given' } : loadConfig();
  const config = loaded.config;
  // PGlite admits one process: a second server on the same data directory would corrupt it.
  // The claim comes before the database is opened, so nothing can slip in while we start.
  const embedded = !env.databaseUrl;
  const other = embedded ? claimDataDir(env) : null;
  if (other) {
    throw new DomainError(
      'conflict',
      `The embedded database in ${env.dataDir} is in use by a running threaddesk server (pid ${other.pid}${other.port ? `, port ${other.port}` : ', starting'}); stop it first or set THREADDESK_DATA to another directory.`,
    );
  }
  try {
    return await assemble({ env, config, source: loaded.source, logger, embedded });
  } catch (err) {
    if (embedded) releaseDataDir(env);
    throw err;
  }
}

interface Startup {
  env: Env;
  config: Config;
  source: string | null;
  logger: Logger;
  /** True when this process holds the embedded database's data directory. */
  embedded: boolean;
}

async function assemble(startup: Startup): Promise<Threaddesk> {
  const { database, tickets } = await openStore(startup.env, startup.config);
  try {
    return await serve(startup, database, tickets);
  } catch (err) {
    await database.close();
    throw err;
  }
}

async function serve({ env, config, source, logger, embedded }: Startup, database: Database, tickets: TicketContext): Promise<Threaddesk> {
  logger.info({ database: database.kind, location: database.location, config: source ?? 'built-in demo' }, 'database ready');

  const metrics = createMetrics(database.db);
  const worker = new OutboxWorker(database.db, { logger, observer: metrics.outboxObserver });
  const logSink = new LogSink(logger);
  worker.register('chat', logSink).register('mail', logSink).register('log', logSink);

  const started: StartedCapability[] = [];
  const stopCapabilities = async () => {
    for (const c of started.reverse()) await c.stop?.();
  };
  const ctx: CapabilityContext = { env, config, database, tickets, logger, pokeOutbox: () => worker.poke(), chatAdapters: new Map() };
  try {
    for (const capability of CAPABILITIES) {
      const c = await capability.start(ctx);
      started.push(c);
      for (const [name, sink] of Object.entries(c.sinks ?? {})) worker.register(name, sink);
    }
  } catch (err) {
    await stopCapabilities();
    throw err;
  }

  const controlToken = database.kind === 'pglite' ? randomBytes(32).toString('hex') : undefined;
  const http = await buildHttpServer({
    logger,
    ping: () => database.ping(),
    registry: metrics.registry,
    controlToken,
    runControlCommand: async ({ as, line }) => {
      const outcome = await runCommandAs(tickets, as, line, 'cli');
      if (outcome.ok) worker.poke();
      return outcome;
    },
  });
  for (const c of started) await c.routes?.(http);
  await http.listen({ port: env.port, host: env.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : env.port;

  if (controlToken) publishControl(env, port, controlToken);
  worker.start();
  for (const c of started) await c.afterListen?.(port);
  logger.info({ port }, `threaddesk is running on http://localhost:${port}`);
  const banner = started.flatMap((c) => c.banner?.(port) ?? []);
  if (banner.length > 0) process.stderr.write(`\n${banner.join('\n')}\n\n`);

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new requests, finishing work in flight');
      await http.close();
      // Deliveries in flight still need their adapters; intake stops with its capability.
      await worker.stop();
      await stopCapabilities();
      if (embedded) releaseDataDir(env);
      await database.close();
      logger.info('stopped');
    })());
  return { env, config, database, tickets, worker, http, logger, port, chatAdapters: ctx.chatAdapters, stop };
}
