// Every outbound Matrix call goes through here: one FIFO queue per room (so messages land in the
// order they were posted, even while one of them waits out a 429), retries that honour the
// homeserver's `retry_after_ms`, and errors that say what to do. matrix-bot-sdk itself does not
// retry anything; sends are safe to repeat because they use a fixed transaction id.

export interface CallFailure {
  status?: number;
  errcode?: string;
  /** The homeserver's own words. */
  error: string;
  retryAfterMs?: number;
  network: boolean;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null ? (v as Json) : undefined);

function parseJson(buffer: Buffer): unknown {
  try {
    return JSON.parse(buffer.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Reads what went wrong from a MatrixError, a raw non-2xx response, or a socket error. */
export function failureOf(err: unknown): CallFailure {
  const o = asObj(err);
  const body = asObj(Buffer.isBuffer(o?.body) ? parseJson(o.body) : o?.body);
  const status = typeof o?.statusCode === 'number' ? o.statusCode : undefined;
  const errcode = typeof o?.errcode === 'string' ? o.errcode : typeof body?.errcode === 'string' ? body.errcode : undefined;
  const message = typeof o?.error === 'string' ? o.error : typeof body?.error === 'string' ? body.error : err instanceof Error ? err.message : String(err);
  const bodyRetry = typeof body?.retry_after_ms === 'number' ? body.retry_after_ms : typeof o?.retryAfterMs === 'number' ? o.retryAfterMs : undefined;
  // Newer homeservers send Retry-After (seconds) as well or instead (Matrix 1.10).
  const header = asObj(o?.headers)?.['retry-after'];
  const headerMs = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) * 1000 : undefined;
  const code = typeof o?.code === 'string' ? o.code : undefined;
  return {
    ...(status !== undefined ? { status } : {}),
    ...(errcode ? { errcode } : {}),
    error: message,
    ...(bodyRetry !== undefined || headerMs !== undefined ? { retryAfterMs: bodyRetry ?? headerMs } : {}),
    network: status === undefined && (code !== undefined || /socket|ECONN|ETIMEDOUT|EPIPE/i.test(message)),
  };
}

const HINTS: Record<string, string> = {
  M_FORBIDDEN: 'the bot account may not do this in the room: invite it to the room (it joins configured rooms at start) and let it send messages and reactions',
  M_UNKNOWN_TOKEN: 'the access token was rejected: create a new one for the bot account (see the README) and set MATRIX_ACCESS_TOKEN',
  M_MISSING_TOKEN: 'no access token was sent: set MATRIX_ACCESS_TOKEN',
  M_NOT_FOUND: 'the room or event does not exist on this homeserver: check the room id (it starts with "!")',
  M_TOO_LARGE: "the file is larger than the homeserver's upload limit",
  M_LIMIT_EXCEEDED: 'the homeserver kept rate-limiting the bot: exempt the bot account from rate limits (Synapse: the admin API override_ratelimit)',
};

/** An outbound call that failed for good, with a sentence a person can act on. */
export class MatrixCallError extends Error {
  readonly errcode: string | undefined;
  readonly statusCode: number | undefined;

  constructor(label: string, failure: CallFailure, homeserverUrl: string) {
    const what = failure.network
      ? `the homeserver at ${homeserverUrl} is unreachable (${failure.error}): check MATRIX_HOMESERVER_URL and the network`
      : `${failure.errcode ?? `HTTP ${failure.status ?? '?'}`} ${failure.error}${failure.errcode && HINTS[failure.errcode] ? ` — ${HINTS[failure.errcode]}` : ''}`;
    super(`Matrix call "${label}" failed: ${what}.`);
    this.name = 'MatrixCallError';
    this.errcode = failure.errcode;
    this.statusCode = failure.status;
  }
}

export interface CallQueueOptions {
  /** Longest single wait a 429 may ask for before we give up on the call (default 60 s). */
  maxRetryAfterMs?: number;
  /** How many 429s one call may meet (default 20). */
  maxRateLimitRetries?: number;
  /** How many 5xx/network failures one call may meet (default 4), backing off from `serverErrorBackoffMs`. */
  maxServerErrorRetries?: number;
  serverErrorBackoffMs?: number;
  onRateLimited?(info: { label: string; retryAfterMs: number }): void;
}

export class CallQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly timers = new Set<{ timer: NodeJS.Timeout; label: string; reject: (err: Error) => void }>();
  private readonly options: Required<Omit<CallQueueOptions, 'onRateLimited'>> & Pick<CallQueueOptions, 'onRateLimited'>;

  constructor(private readonly homeserverUrl: string, options: CallQueueOptions = {}) {
    this.options = {
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      maxRateLimitRetries: options.maxRateLimitRetries ?? 20,
      maxServerErrorRetries: options.maxServerErrorRetries ?? 4,
      serverErrorBackoffMs: options.serverErrorBackoffMs ?? 250,
      onRateLimited: options.onRateLimited,
    };
  }

  /**
   * Runs `fn` after every earlier operation with the same key (a room). `fn` makes its calls with
   * attempt(); the operation as a whole is never repeated, so a text already posted stays single.
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    // Forget idle keys so the map does not grow with every room ever used.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** One HTTP call with the retries described at the top (no queueing). */
  async attempt<T>(label: string, fn: () => Promise<T>): Promise<T> {
    let rateLimited = 0;
    let serverErrors = 0;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        const failure = failureOf(err);
        const limited = failure.status === 429 || failure.errcode === 'M_LIMIT_EXCEEDED';
        if (limited && rateLimited < this.options.maxRateLimitRetries) {
          const wait = failure.retryAfterMs ?? 1000;
          if (wait <= this.options.maxRetryAfterMs) {
            rateLimited += 1;
            this.options.onRateLimited?.({ label, retryAfterMs: wait });
            await this.sleep(label, wait);
            continue;
          }
        }
        const transient = failure.network || (failure.status !== undefined && failure.status >= 500);
        if (transient && serverErrors < this.options.maxServerErrorRetries) {
          await this.sleep(label, this.options.serverErrorBackoffMs * 2 ** serverErrors);
          serverErrors += 1;
          continue;
        }
        throw new MatrixCallError(label, failure, this.homeserverUrl);
      }
    }
  }

  /** Cuts every pending wait short; the calls waiting fail with a clear error. */
  stop(): void {
    for (const entry of this.timers) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`Matrix call "${entry.label}" was abandoned because the adapter stopped.`));
    }
    this.timers.clear();
  }

  private sleep(label: string, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        label,
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        reject,
      };
      this.timers.add(entry);
    });
  }
}
