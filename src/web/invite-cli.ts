// `threaddesk agent invite <email> [--print]`: mails an invite link to set a password. Goes
// through the running server when it holds the embedded database (PGlite admits one process),
// else straight to the database; the mail leaves with the next outbox run of a server.
import { loadConfig } from '../config/load-config.js';
import { readEnv } from '../config/env.js';
import { liveServer } from '../control-file.js';
import { isDomainError } from '../domain/errors.js';
import { openStore } from '../main.js';
import { loadServerSecret } from './agent-store.js';
import { inviteAgent } from './invites.js';
import { publicUrlOf } from './public-url.js';

type Outcome = { ok: true; link: string; expiresAt: string } | { ok: false; error: { code: string; message: string } };

export async function runInvite(email: string, print: boolean): Promise<number> {
  const env = readEnv();
  const outcome = (await viaServer(env, email)) ?? (await direct(env, email));
  if (!outcome.ok) {
    console.error(`error: ${outcome.error.message}`);
    return outcome.error.code === 'not_found' ? 2 : 1;
  }
  console.log(`Invite mailed to ${email.trim().toLowerCase()} (valid until ${outcome.expiresAt}).`);
  if (print) console.log(outcome.link);
  return 0;
}

async function viaServer(env: ReturnType<typeof readEnv>, email: string): Promise<Outcome | null> {
  if (env.databaseUrl) return null;
  const info = liveServer(env);
  if (!info) return null;
  if (!info.port || !info.token) return { ok: false, error: { code: 'conflict', message: `A threaddesk server (pid ${info.pid}) is starting on ${env.dataDir}; try again in a few seconds.` } };
  const res = await fetch(`http://127.0.0.1:${info.port}/internal/v1/web/invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` },
    body: JSON.stringify({ email }),
  });
  if (res.status === 401) throw new Error(`The running threaddesk server (pid ${info.pid}) refused the request: HTTP 401`);
  return (await res.json()) as Outcome;
}

async function direct(env: ReturnType<typeof readEnv>, email: string): Promise<Outcome> {
  const config = loadConfig().config;
  const { database } = await openStore(env, config);
  try {
    const secret = await loadServerSecret(database.db);
    const result = await inviteAgent({ db: database.db, secret, config, publicUrl: publicUrlOf(config, env.port), now: new Date() }, email);
    return { ok: true, link: result.link, expiresAt: result.expiresAt.toISOString() };
  } catch (err) {
    if (isDomainError(err)) return { ok: false, error: { code: err.code, message: err.message } };
    throw err;
  } finally {
    await database.close();
  }
}
