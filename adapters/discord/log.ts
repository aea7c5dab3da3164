// The subset of pino the Discord adapter logs with; a pino Logger satisfies it. Kept here (not
// shared with the Slack adapter) so the two adapters can change independently.
export interface LogSink {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLog: LogSink = { debug() {}, info() {}, warn() {}, error() {} };
