// Bridges matrix-bot-sdk's process-wide LogService to our pino-style loggers. The SDK logs every
// non-2xx answer at error level (a 404 for "room not encrypted", each 429 we wait out), which
// would drown real problems, so its HTTP-client lines go to debug: the adapter reports failed
// calls itself, with context and a sentence saying what to do.
import { LogLevel, LogService, type ILogger } from 'matrix-bot-sdk';
import { describeLogParts, type LogSink } from '../log-sink.js';

/** Modules whose errors are expected answers the adapter handles (and logs) itself. */
const QUIET_MODULES = new Set(['MatrixHttpClient', 'MatrixClientLite']);

// LogService is a singleton, so every started adapter registers its sink here.
const sinks = new Set<LogSink>();

function forward(level: keyof LogSink, module: string, parts: unknown[]): void {
  const { msg, err } = describeLogParts(parts);
  const effective = QUIET_MODULES.has(module) && (level === 'error' || level === 'warn') ? 'debug' : level;
  for (const sink of sinks) sink[effective]({ component: 'matrix', sdkModule: module, ...(err ? { err } : {}) }, msg);
}

const bridge: ILogger = {
  info: (module: string, ...parts: unknown[]) => forward('info', module, parts),
  warn: (module: string, ...parts: unknown[]) => forward('warn', module, parts),
  error: (module: string, ...parts: unknown[]) => forward('error', module, parts),
  debug: (module: string, ...parts: unknown[]) => forward('debug', module, parts),
  trace: () => {},
};

/** Routes the SDK's log lines to `sink` until the returned function is called. */
export function attachSdkLogging(sink: LogSink): () => void {
  if (sinks.size === 0) {
    LogService.setLogger(bridge);
    // INFO: the SDK's debug lines are one per request; its warnings and errors still arrive.
    LogService.setLevel(LogLevel.INFO);
  }
  sinks.add(sink);
  return () => {
    sinks.delete(sink);
  };
}
