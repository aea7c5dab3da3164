// Discord's refusals turned into sentences a person can act on. The original error stays as
// `cause` for the logs.
import { DiscordAPIError } from 'discord.js';

const HINTS: Record<number, string> = {
  0: 'check DISCORD_TOKEN (Developer Portal → Bot → Reset Token)',
  10003: 'the channel does not exist: check the Discord channel id in the config',
  10008: 'the message no longer exists on Discord',
  40005: 'the file is larger than Discord accepts from this bot',
  50001: 'the bot cannot see that channel: give it View Channel there',
  50013: 'give the bot View Channel, Send Messages, Send Messages in Threads, Create Public Threads, Embed Links, Attach Files, Read Message History and Manage Threads in that channel',
  50083: 'the thread is archived',
  160006: 'the server has reached Discord’s limit of 1 000 active threads: close or archive old tickets (threaddesk archives the threads of closed tickets)',
};

export function explain(err: unknown, action: string): Error {
  if (!(err instanceof DiscordAPIError)) {
    return new Error(`Discord could not ${action}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const code = typeof err.code === 'number' ? err.code : -1;
  const hint = HINTS[code] ?? (err.status === 401 ? HINTS[0] : undefined);
  return new Error(`Discord refused to ${action}: ${err.message} (HTTP ${err.status}, code ${code})${hint ? ` — ${hint}.` : '.'}`, { cause: err });
}
