// `threaddesk cmd`: runs the command directly on the database, or — when a server holds the
// embedded database (PGlite admits one process) — through that server's control endpoint.
import { runCommandAs, type CommandOutcome } from '../../commands/run-as.js';
import type { CommandOutput } from '../../commands/declaration.js';
import { loadConfig } from '../config/load-config.js';
import { readEnv, type Env } from '../config/env.js';
import { openStore } from '../main.js';
import { liveServer } from '../control-file.js';

export async function runCmd(as: string, line: string, json: boolean): Promise<number> {
  const env = readEnv();
  const outcome = (await viaServer(env, as, line)) ?? (await direct(env, as, line));
  if (!outcome.ok) {
    console.error(`error: ${outcome.error.message}`);
    return outcome.error.code === 'bad_usage' || outcome.error.code === 'unknown_command' ? 2 : 1;
  }
  console.log(json ? JSON.stringify(jsonOf(outcome.output), null, 2) : outcome.output.text);
  return 0;
}

/** What `--json` prints: the ticket (with `messages` for show), or an array for list/search. */
export function jsonOf(output: CommandOutput): unknown {
  if (output.show) return output.show;
  if (output.tickets) return output.tickets;
  if (output.stats) return output.stats;
  if (output.ticket) return output.warnings?.length ? { ...output.ticket, warnings: output.warnings } : output.ticket;
  return { text: output.text };
}

async function direct(env: Env, as: string, line: string): Promise<CommandOutcome> {
  const { database, tickets } = await openStore(env, loadConfig().config);
  try {
    return await runCommandAs(tickets, as, line, 'cli');
  } finally {
    await database.close();
  }
}

async function viaServer(env: Env, as: string, line: string): Promise<CommandOutcome | null> {
  if (env.databaseUrl) return null;
  const info = liveServer(env);
  if (!info) return null;
  if (!info.port || !info.token) {
    return { ok: false, error: { code: 'conflict', message: `A threaddesk server (pid ${info.pid}) is starting on ${env.dataDir}; try again in a few seconds.` } };
  }
  const res = await fetch(`http://127.0.0.1:${info.port}/internal/v1/cmd`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` },
    body: JSON.stringify({ as, line }),
  });
  if (!res.ok) throw new Error(`The running threaddesk server (pid ${info.pid}) refused the command: HTTP ${res.status}`);
  return (await res.json()) as CommandOutcome;
}
