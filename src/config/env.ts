// The environment: runtime settings and every secret (secrets never come from the YAML file).
export interface Env {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  logLevel: string;
  smtpListen?: string;
  smtpUrl?: string;
  imapUrl?: string;
  slack?: { botToken: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  discord?: { token: string; applicationId: string; apiUrl?: string; guildIds?: string[] };
  matrix?: { homeserverUrl: string; accessToken: string };
}

export function readEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got "${env.PORT}"`);
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: env.THREADDESK_DATA ?? './data',
    databaseUrl: env.DATABASE_URL || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    smtpListen: env.SMTP_LISTEN || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    imapUrl: env.IMAP_URL || undefined,
    slack: env.SLACK_BOT_TOKEN
      ? {
          botToken: env.SLACK_BOT_TOKEN,
          signingSecret: env.SLACK_SIGNING_SECRET || undefined,
          appToken: env.SLACK_APP_TOKEN || undefined,
          apiUrl: env.SLACK_API_URL || undefined,
        }
      : undefined,
    discord: env.DISCORD_TOKEN
      ? {
          token: env.DISCORD_TOKEN,
          applicationId: env.DISCORD_APPLICATION_ID ?? '',
          apiUrl: env.DISCORD_API_URL || undefined,
          // Where /ticket is registered; default: every guild the bot is in.
          guildIds: env.DISCORD_GUILD_IDS ? env.DISCORD_GUILD_IDS.split(',').map((g) => g.trim()).filter(Boolean) : undefined,
        }
      : undefined,
    matrix:
      env.MATRIX_HOMESERVER_URL && env.MATRIX_ACCESS_TOKEN
        ? { homeserverUrl: env.MATRIX_HOMESERVER_URL, accessToken: env.MATRIX_ACCESS_TOKEN }
        : undefined,
  };
}
