// `threaddesk doctor` for Discord, over REST only (no gateway needed): is the token good and of
// the configured application, is the bot in each guild, can it work in each department channel
// (permissions computed from roles and overwrites as Discord does), and is `/ticket` registered
// with today's subcommands. Each finding says what to do when it fails.
import { ChannelType, DiscordAPIError, PermissionFlagsBits, Routes, type REST } from 'discord.js';
import { discordCode, isForum, isTextChannel, parseChannel } from './channels.js';
import { COMMAND_NAME, SUBCOMMAND_NAMES } from './commands.js';

export interface DoctorFinding {
  check: string;
  ok: boolean;
  detail: string;
}

/** What the bot needs in a department channel (also the permissions of the invite URL). */
export const REQUIRED_PERMISSIONS = {
  ViewChannel: PermissionFlagsBits.ViewChannel,
  SendMessages: PermissionFlagsBits.SendMessages,
  SendMessagesInThreads: PermissionFlagsBits.SendMessagesInThreads,
  CreatePublicThreads: PermissionFlagsBits.CreatePublicThreads,
  ManageThreads: PermissionFlagsBits.ManageThreads,
  EmbedLinks: PermissionFlagsBits.EmbedLinks,
  AttachFiles: PermissionFlagsBits.AttachFiles,
  ReadMessageHistory: PermissionFlagsBits.ReadMessageHistory,
} as const;

export const REQUIRED_PERMISSIONS_INTEGER: bigint = Object.values(REQUIRED_PERMISSIONS).reduce((a, b) => a | b, 0n);

/** The URL that adds the bot to a server with the scopes and permissions threaddesk needs. */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot+applications.commands&permissions=${REQUIRED_PERMISSIONS_INTEGER}`;
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(asObj) : []);
const bits = (v: unknown): bigint => (typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : 0n);
const reason = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Discord's permission algorithm: base from roles, then @everyone, role and member overwrites. */
export function channelPermissions(guild: Json, memberRoles: readonly string[], userId: string, overwrites: readonly Json[]): bigint {
  const all = (1n << 53n) - 1n;
  if (guild.owner_id === userId) return all;
  const roles = list(guild.roles);
  let perms = bits(roles.find((r) => r.id === guild.id)?.permissions);
  for (const role of roles) if (memberRoles.includes(String(role.id))) perms |= bits(role.permissions);
  if (perms & PermissionFlagsBits.Administrator) return all;
  const apply = (allow: bigint, deny: bigint) => (perms = (perms & ~deny) | allow);
  const everyone = overwrites.find((o) => o.id === guild.id);
  if (everyone) apply(bits(everyone.allow), bits(everyone.deny));
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.type === 0 && o.id !== guild.id && memberRoles.includes(String(o.id))) {
      allow |= bits(o.allow);
      deny |= bits(o.deny);
    }
  }
  apply(allow, deny);
  const own = overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) apply(bits(own.allow), bits(own.deny));
  return perms;
}

export interface DoctorDeps {
  rest: REST;
  applicationId: string;
  guildIds: readonly string[];
  channelIds: readonly string[];
}

export async function runDoctor({ rest, applicationId, guildIds, channelIds }: DoctorDeps): Promise<DoctorFinding[]> {
  const findings: DoctorFinding[] = [];
  let me: Json;
  try {
    me = asObj(await rest.get(Routes.user('@me')));
  } catch (err) {
    const detail = err instanceof DiscordAPIError && err.status === 401
      ? 'Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Developer Portal (Bot → Reset Token).'
      : `${reason(err)}.`;
    findings.push({ check: 'discord: token', ok: false, detail: `${detail} Guild and channel checks skipped.` });
    return findings;
  }
  const botId = String(me.id);
  findings.push({ check: 'discord: token', ok: true, detail: `connected as ${String(me.username)} (${botId})` });
  try {
    const app = asObj(await rest.get(Routes.currentApplication()));
    findings.push(app.id === applicationId
      ? { check: 'discord: application', ok: true, detail: `application ${applicationId}` }
      : { check: 'discord: application', ok: false, detail: `DISCORD_APPLICATION_ID is ${applicationId} but the token belongs to application ${String(app.id)}: set DISCORD_APPLICATION_ID to that id.` });
  } catch (err) {
    findings.push({ check: 'discord: application', ok: false, detail: `${reason(err)}.` });
  }

  const guilds = new Map<string, { guild: Json; roles: string[] } | null>();
  const loadGuild = async (guildId: string) => {
    if (guilds.has(guildId)) return guilds.get(guildId) ?? null;
    try {
      const guild = asObj(await rest.get(Routes.guild(guildId)));
      const member = asObj(await rest.get(Routes.guildMember(guildId, botId)));
      const entry = { guild, roles: (Array.isArray(member.roles) ? member.roles : []).map(String) };
      guilds.set(guildId, entry);
      return entry;
    } catch {
      guilds.set(guildId, null);
      return null;
    }
  };

  for (const guildId of guildIds) {
    const check = `discord: guild ${guildId}`;
    const entry = await loadGuild(guildId);
    if (!entry) {
      findings.push({ check, ok: false, detail: `the bot is not in guild ${guildId}: invite it with ${inviteUrl(applicationId)}` });
      continue;
    }
    findings.push({ check, ok: true, detail: `the bot is in ${String(entry.guild.name)}` });
    findings.push(await commandsFinding(rest, applicationId, guildId));
  }

  for (const channelId of channelIds) findings.push(await channelFinding(rest, channelId, botId, loadGuild));
  return findings;
}

async function commandsFinding(rest: REST, applicationId: string, guildId: string): Promise<DoctorFinding> {
  const check = `discord: /${COMMAND_NAME} in ${guildId}`;
  try {
    const commands = list(await rest.get(Routes.applicationGuildCommands(applicationId, guildId)));
    const mine = commands.find((c) => c.name === COMMAND_NAME);
    const subs = new Set(list(mine?.options).map((o) => String(o.name)));
    const missing = SUBCOMMAND_NAMES.filter((s) => !subs.has(s));
    if (mine && missing.length === 0) return { check, ok: true, detail: `/${COMMAND_NAME} is registered with all subcommands` };
    const what = mine ? `/${COMMAND_NAME} lacks ${missing.join(', ')}` : `/${COMMAND_NAME} is not registered`;
    return { check, ok: false, detail: `${what}: run \`threaddesk discord register\` (threaddesk also registers it at start).` };
  } catch (err) {
    return { check, ok: false, detail: `${reason(err)}: the bot needs the applications.commands scope (re-invite it).` };
  }
}

async function channelFinding(
  rest: REST, channelId: string, botId: string, loadGuild: (id: string) => Promise<{ guild: Json; roles: string[] } | null>,
): Promise<DoctorFinding> {
  const check = `discord: channel ${channelId}`;
  let raw: Json;
  try {
    raw = asObj(await rest.get(Routes.channel(channelId)));
  } catch (err) {
    const code = discordCode(err);
    const detail = code === 10003 ? `channel ${channelId} does not exist: check the Discord channel id in the config`
      : code === 50001 ? `the bot cannot see channel ${channelId}: give it View Channel there` : reason(err);
    return { check, ok: false, detail };
  }
  const info = parseChannel(raw);
  const name = info?.name ? `#${info.name}` : channelId;
  if (!info || !(isTextChannel(info) || isForum(info))) {
    return { check, ok: false, detail: `${name} is not a text or forum channel (type ${String(raw.type)}): bind a text or forum channel to the department` };
  }
  const kind = info.type === ChannelType.GuildForum || info.type === ChannelType.GuildMedia ? 'forum' : 'text';
  const guild = info.guildId ? await loadGuild(info.guildId) : null;
  if (!guild) return { check, ok: false, detail: `${name} is in a guild the bot cannot read` };
  const perms = channelPermissions(guild.guild, guild.roles, botId, list(raw.permission_overwrites));
  const missing = Object.entries(REQUIRED_PERMISSIONS).filter(([, bit]) => (perms & bit) === 0n).map(([n]) => n);
  return missing.length === 0
    ? { check, ok: true, detail: `${kind} channel ${name}: the bot has every permission it needs` }
    : { check, ok: false, detail: `${kind} channel ${name}: the bot lacks ${missing.join(', ')} — grant them to its role in that channel` };
}
