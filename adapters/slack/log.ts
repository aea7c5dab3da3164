// Bridges our pino-style logger to the Logger interface Bolt and the Web API client expect.
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { describeLogParts, type LogSink } from '../log-sink.js';

/**
 * Bolt logs with console-style varargs; the sink filters by its own level, so setLevel only
 * remembers the value Bolt asks for (Bolt compares it on construction).
 */
export function boltLogger(sink: LogSink): BoltLogger {
  let level: LogLevel = LogLevel.INFO;
  const forward = (fn: (obj: object, msg?: string) => void) => (...parts: unknown[]) => {
    const { msg, err } = describeLogParts(parts);
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
