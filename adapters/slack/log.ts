// Bridges our pino-style logger to the Logger interface Bolt and the Web API client expect.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';

/** The subset of pino the adapter uses; a pino Logger satisfies it. */
export interface LogSink {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLog: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

function describe(parts: unknown[]): { msg: string; err?: Error } {
  const err = parts.find((p): p is Error => p instanceof Error);
  const msg = parts
    .map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : safeJson(p)))
    .join(' ');
  return err ? { msg, err } : { msg };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Bolt logs with console-style varargs; the sink filters by its own level, so setLevel only
 * remembers the value Bolt asks for (Bolt compares it on construction).
 */
export function boltLogger(sink: LogSink): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const forward = (fn: (obj: object, msg?: string) => void) => (...parts: unknown[]) => {
    const { msg, err } = describe(parts);
    fn.call(sink, err ? { component: 'slack', err } : { component: 'slack' }, msg);
  };
  return {
    debug: forward(sink.debug),
    info: forward(sink.info),
    warn: forward(sink.warn),
    error: forward(sink.error),
    setLevel(next: LogLevel) {
      level = next;
    },
    getLevel: () => level,
    setName() {},
  };
}
