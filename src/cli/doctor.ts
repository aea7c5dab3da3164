// `threaddesk doctor`: checks what can be checked and says what to fix, one line each.
import { loadConfig } from '../config/load-config.js';
import { readEnv } from '../config/env.js';
import { createDb } from '../db/create-db.js';
import { controlFile, liveServer } from '../control-file.js';
import { SlackAdapter } from '../../adapters/slack/index.js';
import type { Env } from '../config/env.js';
import type { Config } from '../config/schema.js';
import { checkImap, checkSmtp, type MailFinding } from '../mail/doctor.js';
import { DiscordAdapter } from '../../adapters/discord/index.js';
import { MatrixAdapter } from '../../adapters/matrix/index.js';

interface Finding {
  ok: boolean;
  what: string;
  fix?: string;
}

export async function runDoctor(): Promise<number> {
  const findings: Finding[] = [];
  let config;
  try {
    const loaded = loadConfig();
    config = loaded.config;
    findings.push({ ok: true, what: `config: ${loaded.source ?? 'built-in demo (no threaddesk.yaml)'} — ${config.departments.length} department(s), ${config.agents.length} agent(s)` });
  } catch (err) {
    findings.push({ ok: false, what: 'config', fix: err instanceof Error ? err.message : String(err) });
  }
  const env = readEnv();
  if (!env.databaseUrl && liveServer(env)) {
    findings.push({ ok: true, what: `database: embedded, in use by a running server (${controlFile(env)})` });
  } else {
    try {
      const database = await createDb({ databaseUrl: env.databaseUrl, dataDir: env.dataDir });
      await database.ping();
      await database.close();
      findings.push({ ok: true, what: `database: ${database.kind} at ${database.location} is reachable` });
    } catch (err) {
      findings.push({ ok: false, what: 'database', fix: `cannot connect (${err instanceof Error ? err.message : String(err)}); check DATABASE_URL` });
    }
  }
  if (config) {
    for (const d of config.departments) {
      if (d.members.length === 0) findings.push({ ok: false, what: `department ${d.id}`, fix: 'has no members; add some under departments[].members' });
      if (d.emails.length === 0) findings.push({ ok: true, what: `department ${d.id}: no email address (it only gets tickets from chat, the web or transfers)` });
    }
  }
  const mail: MailFinding[] = [];
  if (env.smtpUrl) mail.push(await checkSmtp(env.smtpUrl));
  if (env.imapUrl) mail.push(await checkImap('IMAP_URL', env.imapUrl));
  for (const box of config?.mail.mailboxes ?? []) {
    const url = process.env[box.urlEnv];
    mail.push(url ? await checkImap(box.urlEnv, url) : { check: `mail: ${box.urlEnv}`, ok: false, detail: `mail.mailboxes names ${box.urlEnv}, but it is not set in the environment` });
  }
  findings.push(...mail.map((r) => ({ ok: r.ok, what: `${r.check}${r.ok ? `: ${r.detail}` : ''}`, fix: r.ok ? undefined : r.detail })));
  if (config && env.discord) findings.push(...(await platformFindings(new DiscordAdapter({ ...env.discord }), channelsOf(config, 'discord'))));
  if (config && env.matrix) findings.push(...(await platformFindings(new MatrixAdapter({ ...env.matrix }), channelsOf(config, 'matrix'))));
  if (config && env.slack) findings.push(...(await slackFindings(env.slack, config.departments.map((d) => d.channels.slack).filter((c): c is string => !!c))));
  for (const f of findings) console.log(`${f.ok ? 'ok  ' : 'FIX '} ${f.what}${f.fix ? `: ${f.fix}` : ''}`);
  return findings.every((f) => f.ok) ? 0 : 1;
}

async function slackFindings(slack: NonNullable<Env['slack']>, channelIds: string[]): Promise<Finding[]> {
  // One call each, no retries beyond the adapter's own: doctor must answer quickly.
  const adapter = new SlackAdapter({ botToken: slack.botToken, signingSecret: slack.signingSecret ?? 'doctor-does-not-verify', appToken: slack.appToken, apiUrl: slack.apiUrl });
  const results = await adapter.doctor(channelIds);
  return results.map((r) => ({ ok: r.ok, what: `${r.check}${r.ok ? `: ${r.detail}` : ''}`, fix: r.ok ? undefined : r.detail }));
}

const channelsOf = (config: Config, platform: 'discord' | 'matrix') => config.departments.map((d) => d.channels[platform]).filter((c): c is string => !!c);

async function platformFindings(adapter: { doctor(ids: string[]): Promise<{ check: string; ok: boolean; detail: string }[]> }, ids: string[]): Promise<Finding[]> {
  try {
    const results = await adapter.doctor(ids);
    return results.map((r) => ({ ok: r.ok, what: `${r.check}${r.ok ? `: ${r.detail}` : ''}`, fix: r.ok ? undefined : r.detail }));
  } catch (err) {
    return [{ ok: false, what: 'chat platform', fix: err instanceof Error ? err.message : String(err) }];
  }
}
