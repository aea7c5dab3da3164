// A capability (mail bridge, chat platforms, web pages) plugs into the running server through
// this one interface, so the composition root stays a list and no two capabilities edit the
// same lines of it.
import type { FastifyInstance } from 'fastify';
import type { ChatAdapter, Platform } from '../adapters/chat-port.js';
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
  /**
   * Chat adapters by platform. A capability that brings a platform (the web console) adds its
   * adapter here in start(); the chat capability, started last, mirrors tickets to all of them.
   */
  chatAdapters: Map<Platform, ChatAdapter>;
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
