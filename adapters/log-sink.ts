// What the chat adapters log with: the subset of pino they use (a pino Logger satisfies it), and
// how an SDK's console-style varargs become one message plus the error among them.
export interface LogSink {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLog: LogSink = { debug() {}, info() {}, warn() {}, error() {} };

/** `logger.warn('x', obj, err)` → `{ msg: 'x {"a":1} boom', err }`. */
export function describeLogParts(parts: unknown[]): { msg: string; err?: Error } {
  const err = parts.find((p): p is Error => p instanceof Error);
  const msg = parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : safeJson(p))).join(' ');
  return err ? { msg, err } : { msg };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
