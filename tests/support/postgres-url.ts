/**
 * The URL of the PostgreSQL started by ./global-setup.ts, for tests:
 *
 *   const url = postgresUrlForTests();            // string, or null when PostgreSQL is unavailable
 *   describe.skipIf(url === null)('repository on postgres', () => { ... });
 *
 * Null only outside CI (global setup then already printed why); when CI is set it throws,
 * so a CI run can never skip the PostgreSQL tests silently.
 * Each test file should create its own schema or database in it (the cluster is shared by the run).
 */
import { inject } from 'vitest';
import { isCI } from '../servers/availability.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

export function postgresUrlForTests(): string | null {
  const url = inject('postgresUrl');
  if (url == null && isCI()) {
    throw new Error('CI is set but global setup provided no PostgreSQL URL (see tests/support/global-setup.ts)');
  }
  return url ?? null;
}
