// One FIFO queue per Slack channel. Slack's limits are per method and per channel (chat.postMessage
// allows about one message per second per channel, with bursts), and a ticket thread only reads
// right when its messages arrive in the order they were sent. So calls for one channel run one at
// a time in call order; a 429 pauses that channel for `Retry-After` seconds and retries the same
// call, so nothing is dropped or reordered. Other channels keep going meanwhile.
//
// The WebClient is configured with `rejectRateLimitedCalls: true` and no retries of its own so
// that this queue is the only place that waits and retries (two retry layers would multiply).
import { webApi } from '@slack/bolt';

export interface RateQueueOptions {
  /** Attempts after 429 answers before giving up with an error (the outbox then retries later). */
  maxRateLimitedAttempts?: number;
  /** Retries after a 5xx answer or a network error; 0 disables. */
  serverErrorRetries?: number;
  /** First backoff after a 5xx/network error, doubled on each retry. */
  serverErrorBackoffMs?: number;
  onRateLimited?(info: { key: string; label: string; retryAfterSec: number; attempt: number }): void;
}

/** A Slack Web API failure, with a sentence that says what to do about it. */
export class SlackApiError extends Error {
  constructor(
    message: string,
    /** Slack's error code (`not_in_channel`, `invalid_auth`…) or the client's error code. */
    readonly slackError: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SlackApiError';
  }
}

const HINTS: Record<string, string> = {
  not_in_channel: 'invite the bot to the channel (/invite @<bot name>)',
  channel_not_found: 'check the channel id in threaddesk.yaml and that the bot can see the channel',
  invalid_auth: 'check SLACK_BOT_TOKEN',
  not_authed: 'set SLACK_BOT_TOKEN',
  account_inactive: 'the bot token was revoked; reinstall the Slack app',
  missing_scope: 'add the missing scope in the Slack app settings and reinstall (see slack-app-manifest.yaml)',
  message_not_found: 'the message was deleted in Slack',
  cant_update_message: 'only messages posted by the bot can be edited',
  user_not_in_channel: 'the user is not a member of the channel',
};

function platformCode(err: unknown): string | undefined {
  if (err instanceof webApi.WebAPIPlatformError) return err.data.error;
  return undefined;
}

/** True for failures that are worth retrying as-is: Slack 5xx answers and network errors. */
function isTransient(err: unknown): boolean {
  if (err instanceof webApi.WebAPIHTTPError) return err.statusCode >= 500;
  return err instanceof webApi.WebAPIRequestError;
}

export function toSlackApiError(label: string, key: string, err: unknown): Error {
  if (err instanceof SlackApiError) return err;
  const code = platformCode(err);
  if (code) {
    const hint = HINTS[code];
    return new SlackApiError(`Slack refused ${label} (${key}): ${code}${hint ? ` — ${hint}` : ''}.`, code, { cause: err });
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    return new SlackApiError(`Slack answered HTTP ${err.statusCode} to ${label} (${key}).`, webApi.ErrorCode.HTTPError, { cause: err });
  }
  if (err instanceof webApi.WebAPIRequestError) {
    return new SlackApiError(`Could not reach Slack for ${label} (${key}): ${err.original.message}.`, webApi.ErrorCode.RequestError, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * What a channel taught us about its limit: after a real rate limit (Retry-After of a second or
 * more, hit while sending steadily) we send no faster than what was accepted in the second
 * before it, so a long burst paces itself instead of stalling a whole Retry-After again and
 * again. Forgotten half a minute after the last 429.
 */
interface Pace {
  recent: number[];
  intervalMs: number;
  lastAt: number;
  learnedAt: number;
}

const PACE_MEMORY_MS = 30_000;
const PACE_MIN_ACCEPTED = 5;
/** A little under the learnt rate, so that timer and network jitter do not cost another Retry-After. */
const PACE_MARGIN = 1.04;

export class RateQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly paces = new Map<string, Pace>();
  private abort = new AbortController();
  private readonly opts: Required<Omit<RateQueueOptions, 'onRateLimited'>> & Pick<RateQueueOptions, 'onRateLimited'>;

  constructor(options: RateQueueOptions = {}) {
    this.opts = {
      maxRateLimitedAttempts: options.maxRateLimitedAttempts ?? 100,
      serverErrorRetries: options.serverErrorRetries ?? 3,
      serverErrorBackoffMs: options.serverErrorBackoffMs ?? 250,
      onRateLimited: options.onRateLimited,
    };
  }

  /** Runs `call` after every call queued earlier under `key`, retrying 429s and transient failures. */
  run<T>(key: string, label: string, call: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(() => this.attempt(key, label, call));
    // The chain must survive a failed call, or one error would block the channel for good.
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  private pace(key: string): Pace {
    let pace = this.paces.get(key);
    if (!pace || (pace.intervalMs > 0 && Date.now() - pace.learnedAt > PACE_MEMORY_MS)) {
      pace = { recent: pace?.recent ?? [], intervalMs: 0, lastAt: pace?.lastAt ?? 0, learnedAt: 0 };
      this.paces.set(key, pace);
    }
    return pace;
  }

  /** Rejects waiting retries; calls already sent to Slack finish on their own. Later calls run normally. */
  stop(): void {
    this.abort.abort();
    this.abort = new AbortController();
  }

  private async attempt<T>(key: string, label: string, call: () => Promise<T>): Promise<T> {
    const signal = this.abort.signal;
    let rateLimited = 0;
    let transient = 0;
    // Bounded: each branch below either returns, throws, or increments a counter with a cap.
    for (;;) {
      if (signal.aborted) throw new Error(`Slack adapter stopped before ${label} (${key}) was sent.`);
      const pace = this.pace(key);
      const wait = pace.lastAt + pace.intervalMs - Date.now();
      if (wait > 0) await sleep(wait, signal);
      // Spacing counts from when a call was sent, not from when it was answered: the limit counts
      // requests per window, and the time spent on our side between calls is part of the gap.
      const sentAt = Date.now();
      pace.lastAt = sentAt;
      try {
        const result = await call();
        pace.recent.push(sentAt);
        while (pace.recent.length > 0 && pace.recent[0]! < Date.now() - 1000) pace.recent.shift();
        return result;
      } catch (err) {
        if (err instanceof webApi.WebAPIRateLimitedError) {
          rateLimited += 1;
          const accepted = pace.recent.filter((t) => t >= Date.now() - 1000).length;
          if (err.retryAfter >= 1 && accepted >= PACE_MIN_ACCEPTED) {
            pace.intervalMs = Math.max(pace.intervalMs, (1000 / accepted) * PACE_MARGIN);
            pace.learnedAt = Date.now();
          }
          if (rateLimited >= this.opts.maxRateLimitedAttempts) {
            throw new SlackApiError(
              `Slack kept rate-limiting ${label} (${key}) after ${rateLimited} attempts; giving up for now so the caller can retry later.`,
              webApi.ErrorCode.RateLimitedError,
              { cause: err },
            );
          }
          this.opts.onRateLimited?.({ key, label, retryAfterSec: err.retryAfter, attempt: rateLimited });
          await sleep(Math.max(0, err.retryAfter) * 1000, signal);
          continue;
        }
        if (isTransient(err) && transient < this.opts.serverErrorRetries) {
          await sleep(this.opts.serverErrorBackoffMs * 2 ** transient, signal);
          transient += 1;
          continue;
        }
        throw toSlackApiError(label, key, err);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('Slack adapter stopped while waiting to retry.'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('Slack adapter stopped while waiting to retry.'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
