// A capability (mail bridge, chat platforms, web pages) plugs into the running server through
// this one interface, so the composition root stays a list and no two capabilities edit the
// same lines of it.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { Env } from './config/env.js';
import type { Database } from './db/create-db.js';
import type { Sink } from './outbox/worker.js';
import type { TicketContext } from './tickets/context.js';

export interface CapabilityContext {
  env: Env;
  config: Config;
  database: Database;
  tickets: TicketContext;
  logger: Logger;
  /** Wakes the outbox worker after a change (it also polls). */
  pokeOutbox(): void;
}

export interface StartedCapability {
  /** Outbox sinks by name (`mail`, `chat`); replaces the logging sink for that name. */
  sinks?: Record<string, Sink>;
  /** Adds HTTP routes before the server listens. */
  routes?(app: FastifyInstance): void | Promise<void>;
  /** Runs once the HTTP server listens (intake loops, chat connections). */
  afterListen?(port: number): Promise<void>;
  /** A few lines for the start-up banner: what runs and how to use it. */
  banner?(port: number): string[];
  stop?(): Promise<void>;
}

export interface Capability {
  name: string;
  start(ctx: CapabilityContext): Promise<StartedCapability>;
}
