// A Bolt Receiver that our own HTTP server (fastify) feeds, instead of Bolt's express/http server:
// one URL (`POST /slack/events`) takes events, slash commands and interactivity. It verifies
// Slack's signature on the raw bytes, answers as soon as a listener calls ack() (Slack gives up
// after 3 s and retries), and lets the listener's work continue after the answer.
//
// Mounting it in fastify (the body must stay raw bytes for the signature):
//   app.register(async (scope) => {
//     scope.removeAllContentTypeParsers();
//     scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
//     scope.post('/slack/events', async (req, reply) => {
//       const res = await handleSlackHttp(slack, { rawBody: req.body as Buffer, headers: req.headers });
//       return reply.code(res.status).headers(res.headers).send(res.body);
//     });
//   });
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { LogSink } from '../log-sink.js';

export interface SlackHttpRequest {
  rawBody: Buffer | string;
  /** Node/fastify request headers (names in lower case). */
  headers: Record<string, string | string[] | undefined>;
}

export interface SlackHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Slack's own rule: requests more than five minutes off our clock are replays. */
export const MAX_REQUEST_AGE_SEC = 300;

function header(headers: SlackHttpRequest['headers'], name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Returns why the request is not authentic, or null when it is. */
export function verifySlackSignature(
  signingSecret: string,
  rawBody: Buffer,
  headers: SlackHttpRequest['headers'],
  nowMs: number = Date.now(),
): string | null {
  if (!signingSecret) return 'no signing secret is configured';
  const timestamp = header(headers, 'x-slack-request-timestamp');
  const signature = header(headers, 'x-slack-signature');
  if (!timestamp || !signature) return 'the x-slack-signature or x-slack-request-timestamp header is missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'x-slack-request-timestamp is not a Unix time';
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > MAX_REQUEST_AGE_SEC) {
    return 'x-slack-request-timestamp is more than 5 minutes away from our clock (replay or clock skew)';
  }
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  const expected = Buffer.from(`v0=${hmac.digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the signature does not match';
  return null;
}

function text(status: number, body: string): SlackHttpResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function json(status: number, body: unknown): SlackHttpResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
}

/** Events arrive as JSON; slash commands as a form; interactivity as a form with a JSON `payload`. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the JSON body is not an object');
    return parsed as Record<string, unknown>;
  }
  const form = new URLSearchParams(raw);
  const payload = form.get('payload');
  if (payload !== null) return parseBody(payload, 'application/json');
  return Object.fromEntries(form.entries());
}

function ackResponse(response: unknown): SlackHttpResponse {
  if (response === undefined || response === null || response === '') return text(200, '');
  return typeof response === 'string' ? text(200, response) : json(200, response);
}

export interface SlackReceiverOptions {
  signingSecret: string;
  logger: LogSink;
  /** Answer 200 anyway when no listener acked by then, well before Slack's 3 s limit. */
  ackTimeoutMs?: number;
}

export class SlackReceiver implements Receiver {
  private app: App | undefined;
  private running = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ackTimeoutMs: number;

  constructor(private readonly options: SlackReceiverOptions) {
    // Chatwoot's mistake, not ours: an empty secret would mean accepting anyone's requests.
    if (!options.signingSecret) {
      throw new Error('The Slack signing secret is empty: set SLACK_SIGNING_SECRET (threaddesk never accepts unsigned Slack requests).');
    }
    this.ackTimeoutMs = options.ackTimeoutMs ?? 2500;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.settled();
  }

  /** Resolves when every request's listener work (which runs after the ack) has finished. */
  async settled(): Promise<void> {
    // Bounded: each round waits for the work present at its start; new work needs new requests.
    for (let round = 0; round < 100 && this.inFlight.size > 0; round += 1) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  async handle(request: SlackHttpRequest): Promise<SlackHttpResponse> {
    const app = this.app;
    if (!app || !this.running) return text(503, 'The Slack adapter is not running.');
    const rawBody = typeof request.rawBody === 'string' ? Buffer.from(request.rawBody) : request.rawBody;
    const invalid = verifySlackSignature(this.options.signingSecret, rawBody, request.headers);
    if (invalid) {
      this.options.logger.warn({ component: 'slack', reason: invalid }, 'rejected a Slack request that failed verification');
      return text(401, `Slack request verification failed: ${invalid}.`);
    }

    let body: Record<string, unknown>;
    try {
      body = parseBody(rawBody.toString('utf8'), header(request.headers, 'content-type') ?? '');
    } catch (err) {
      return text(400, `Could not read the Slack request body: ${err instanceof Error ? err.message : String(err)}.`);
    }
    if (body.type === 'url_verification' && typeof body.challenge === 'string') return json(200, { challenge: body.challenge });
    if (body.ssl_check !== undefined) return text(200, '');

    let resolveAck: (response: SlackHttpResponse) => void = () => {};
    const acked = new Promise<SlackHttpResponse>((resolve) => {
      resolveAck = resolve;
    });
    let answered = false;
    const timer = setTimeout(() => {
      if (answered) return;
      this.options.logger.warn({ component: 'slack' }, `no listener acknowledged a Slack request within ${this.ackTimeoutMs} ms; answered 200`);
      answer(text(200, ''));
    }, this.ackTimeoutMs);
    // The first answer wins: a listener's ack, the timeout, or the end of processing.
    const answer = (response: SlackHttpResponse) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      resolveAck(response);
    };
    const event: ReceiverEvent = {
      body,
      ack: async (response?: unknown) => answer(ackResponse(response)),
      retryNum: Number(header(request.headers, 'x-slack-retry-num') ?? '') || undefined,
      retryReason: header(request.headers, 'x-slack-retry-reason'),
    };
    const work: Promise<void> = app
      .processEvent(event)
      .then(() => answer(text(200, ''))) // finished without ack: nothing listened, nothing to say
      .catch((err: unknown) => {
        this.options.logger.error({ component: 'slack', err }, 'handling a Slack request failed');
        answer(text(500, 'threaddesk could not handle this Slack request.'));
      })
      .finally(() => this.inFlight.delete(work));
    this.inFlight.add(work);
    return acked;
  }
}
