/**
 * Vitest globalSetup (referenced by vitest.config.ts), run once per `vitest run`:
 *  1. builds the project once (`tsc -p tsconfig.build.json`) so tests that spawn the real CLI
 *     (bin/threaddesk.js -> dist/) run current code; a failed build fails the run with the
 *     compiler output. Set THREADDESK_SKIP_BUILD=1 to skip this step (e.g. while other files are
 *     mid-edit, or when dist/ is known to be current).
 *  2. starts one throwaway PostgreSQL (tests/servers/postgres.ts) when its binaries are present,
 *     or always when CI is set (then a failure fails the run), and provides its URL as
 *     `postgresUrl` (null when PostgreSQL is unavailable outside CI). Tests read it with
 *     `postgresUrlForTests()` from ./postgres-url.ts.
 *  3. stops PostgreSQL at teardown.
 * Dovecot is NOT started here: mail tests call startDovecot() themselves.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { isCI, serverAvailability } from '../servers/availability.js';
import { startPostgres, type RunningPostgres } from '../servers/postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string | null;
  }
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function build(): Promise<void> {
  // Same as `npx tsc -p tsconfig.build.json`, without npx's start-up cost.
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json'],
      { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`TypeScript build failed (tsc -p tsconfig.build.json):\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const skipBuild = ['1', 'true'].includes(process.env.THREADDESK_SKIP_BUILD ?? '');
  const pgAvailability = serverAvailability('postgres');
  const wantPg = pgAvailability.available || isCI();

  // Build and database start in parallel; wait for both so nothing is left running on failure.
  const [built, pg] = await Promise.allSettled([
    skipBuild ? Promise.resolve() : build(),
    wantPg ? startPostgres() : Promise.resolve(null),
  ]);
  const server: RunningPostgres | null = pg.status === 'fulfilled' ? pg.value : null;
  if (built.status === 'rejected' || pg.status === 'rejected') {
    await server?.stop();
    throw built.status === 'rejected' ? built.reason : (pg as PromiseRejectedResult).reason;
  }

  if (!server) console.warn(`skipping PostgreSQL tests: ${pgAvailability.reason}`);
  project.provide('postgresUrl', server?.url ?? null);

  return async () => {
    await server?.stop();
  };
}
