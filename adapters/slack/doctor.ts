// `threaddesk doctor` for Slack: is the token good, does it have the scopes we use, and is the
// bot in every channel a department is bound to? Each finding says what to do when it fails.
import type { webApi } from '@slack/bolt';
import { SlackApiError } from './rate-queue.js';

export interface DoctorFinding {
  check: string;
  ok: boolean;
  detail: string;
}

/** The bot scopes threaddesk uses (keep in step with slack-app-manifest.yaml). */
export const REQUIRED_SCOPES = [
  'chat:write', 'channels:history', 'groups:history', 'reactions:read', 'users:read', 'users:read.email',
  'files:write', 'files:read', 'commands', 'app_mentions:read',
];

export interface DoctorDeps {
  client: webApi.WebClient;
  call<T>(key: string, label: string, fn: () => Promise<T>): Promise<T>;
  channelIds: string[];
  mode: 'http' | 'socket';
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function runDoctor({ client, call, channelIds, mode }: DoctorDeps): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  let auth: webApi.AuthTestResponse;
  try {
    auth = await call('auth', 'auth.test', () => client.auth.test());
  } catch (err) {
    findings.push({ check: 'slack: token', ok: false, detail: `${reason(err)} Channel checks skipped.` });
    return findings;
  }
  findings.push({
    check: 'slack: token',
    ok: true,
    detail: `connected to workspace ${auth.team ?? auth.team_id ?? '?'} as ${auth.user ?? '?'} (${auth.user_id ?? '?'}), ${mode === 'socket' ? 'Socket Mode' : 'HTTP events at /slack/events'}`,
  });

  // Slack reports the token's scopes in the x-oauth-scopes header; absent on some doubles/proxies.
  const granted = auth.response_metadata?.scopes;
  if (granted) {
    const missing = REQUIRED_SCOPES.filter((s) => !granted.includes(s));
    findings.push(
      missing.length === 0
        ? { check: 'slack: scopes', ok: true, detail: 'all required bot scopes granted' }
        : { check: 'slack: scopes', ok: false, detail: `missing bot scopes ${missing.join(', ')}: add them (see slack-app-manifest.yaml) and reinstall the app` },
    );
  }

  for (const channelId of channelIds) {
    const check = `slack: channel ${channelId}`;
    try {
      const res = await call(channelId, 'conversations.info', () => client.conversations.info({ channel: channelId }));
      const name = res.channel?.name ? `#${res.channel.name}` : channelId;
      findings.push(
        res.channel?.is_member
          ? { check, ok: true, detail: `the bot is a member of ${name}` }
          : { check, ok: false, detail: `the bot is not a member of ${name}: invite it with /invite @${auth.user ?? 'threaddesk'}` },
      );
    } catch (err) {
      const notFound = err instanceof SlackApiError && err.slackError === 'channel_not_found';
      findings.push({
        check,
        ok: false,
        detail: notFound ? `channel ${channelId} does not exist or is private without the bot in it` : reason(err),
      });
    }
  }
  return findings;
}
