// `threaddesk import mbox <file>` / `import maildir <dir>`: historic mail through the same intake
// pipeline as live mail (matched, recorded once, threads rebuilt at the mails' own dates), with
// no automatic mail sent to anyone.
import cliProgress from 'cli-progress';
import pino from 'pino';
import { loadConfig } from '../config/load-config.js';
import { readEnv, type Env } from '../config/env.js';
import type { Config } from '../config/schema.js';
import { DomainError } from '../domain/errors.js';
import { claimDataDir, releaseDataDir } from '../control-file.js';
import { ingestMail } from '../mail/intake.js';
import { readMaildir, readMbox, type MailFile } from '../mail/mailbox-files.js';
import { mailSettings } from '../mail/settings.js';
import { openStore } from '../main.js';

export async function runImport(kind: 'mbox' | 'maildir', location: string): Promise<number> {
  const env = readEnv();
  const config = loadConfig().config;
  const mails = kind === 'mbox' ? readMbox(location) : readMaildir(location);
  // PGlite admits one process: hold the data directory like a server does, for the whole import.
  const embedded = !env.databaseUrl;
  const server = embedded ? claimDataDir(env) : null;
  if (server) {
    throw new DomainError('conflict', `The embedded database in ${env.dataDir} is in use by a running threaddesk server (pid ${server.pid}); stop it for the import.`);
  }
  try {
    return await importMails(env, config, mails, location);
  } finally {
    if (embedded) releaseDataDir(env);
  }
}

async function importMails(env: Env, config: Config, mails: MailFile[], location: string): Promise<number> {
  const { database, tickets } = await openStore(env, config);
  const logger = pino({ level: env.logLevel === 'info' ? 'warn' : env.logLevel });
  const deps = { tickets, settings: mailSettings(config, env.port), autoMail: false, logger };
  const counts = new Map<string, number>();
  const bar = new cliProgress.SingleBar({ format: 'import [{bar}] {value}/{total} mails | {eta_formatted} left', stream: process.stderr }, cliProgress.Presets.shades_classic);
  bar.start(mails.length, 0);
  try {
    for (const mail of mails) {
      const result = await ingestMail(deps, mail.raw, { source: 'import' });
      counts.set(result.outcome, (counts.get(result.outcome) ?? 0) + 1);
      bar.increment();
    }
  } finally {
    bar.stop();
    await database.close();
  }
  const n = (k: string) => counts.get(k) ?? 0;
  console.log(
    `Imported ${mails.length} mail${mails.length === 1 ? '' : 's'} from ${location}: ${n('created')} new tickets, ${n('appended')} added to tickets, ` +
      `${n('rejected')} rejected requests, ${n('bounce')} bounces, ${n('duplicate')} already there, ${n('refused')} too large, ` +
      `${n('unmatched') + n('unreadable')} kept unfiled. No mail was sent.`,
  );
  return 0;
}
