// The HTTP server: health, readiness, metrics, and the local control endpoint the CLI uses
// while the server holds the embedded database. Later capabilities add their routes here.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface ControlRequest {
  as: string;
  line: string;
}

export interface ControlResponse {
  ok: boolean;
  output?: unknown;
  error?: { code: string; message: string };
}

export interface HttpDeps {
  logger: Logger;
  ping(): Promise<void>;
  registry: Registry;
  /** Secret the CLI presents on /internal/v1/cmd; the endpoint is off without it. */
  controlToken?: string;
  runControlCommand?(req: ControlRequest): Promise<ControlResponse>;
}

export async function buildHttpServer(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Health checks and metrics scrapes every few seconds would drown the log.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 10 * 1024 * 1024,
  });
  let shuttingDown = false;
  app.addHook('onClose', async () => {
    shuttingDown = true;
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (shuttingDown) return reply.code(503).send({ status: 'shutting down' });
    try {
      await deps.ping();
      return { status: 'ready', database: 'ok' };
    } catch (err) {
      return reply.code(503).send({ status: 'not ready', database: err instanceof Error ? err.message : String(err) });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });

  if (deps.controlToken && deps.runControlCommand) {
    const expected = Buffer.from(`Bearer ${deps.controlToken}`);
    app.post<{ Body: ControlRequest }>('/internal/v1/cmd', async (req, reply) => {
      const given = Buffer.from(req.headers.authorization ?? '');
      const loopback = req.ip === '127.0.0.1' || req.ip === '::1' || req.ip === '::ffff:127.0.0.1';
      if (!loopback || given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).send({ ok: false, error: { code: 'forbidden', message: 'bad control token' } });
      }
      const body = req.body;
      if (typeof body?.as !== 'string' || typeof body?.line !== 'string') {
        return reply.code(400).send({ ok: false, error: { code: 'bad_usage', message: 'body needs "as" and "line"' } });
      }
      return deps.runControlCommand!(body);
    });
  }
  return app;
}
