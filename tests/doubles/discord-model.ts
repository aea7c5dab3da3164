// State and JSON shapes of the Discord double (see discord-double.ts): snowflakes, users, guilds,
// channels, threads, messages, interactions, commands — and the objects Discord's API and gateway
// send for them, shaped like https://discord.com/developers/docs (resources/user, guild, channel,
// message; interactions/receiving-and-responding). Also the validation Discord applies to what
// a bot sends (lengths, counts), so an adapter that exceeds a limit fails here as it would there.
import { ChannelType, PermissionFlagsBits } from 'discord.js';

export type Json = Record<string, unknown>;

const DISCORD_EPOCH = 1_420_070_400_000n;

/** Discord ids: time-ordered 64-bit numbers as strings (discord.js reads their timestamps). */
export class Snowflakes {
  private last = 0n;
  next(): string {
    let value = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    if (value <= this.last) value = this.last + 1n;
    this.last = value;
    return value.toString();
  }
}

export interface DoubleUser { id: string; username: string; globalName?: string; bot?: boolean; acceptsDms?: boolean }
export interface DoubleRole { id: string; name: string; permissions: bigint; managed?: boolean }
export interface DoubleMember { roles: string[]; nick?: string }
export interface DoubleGuild { id: string; name: string; ownerId: string; roles: DoubleRole[]; members: Map<string, DoubleMember> }
export interface Overwrite { id: string; type: 0 | 1; allow: bigint; deny: bigint }
export interface DoubleChannel {
  id: string; type: ChannelType; name: string; guildId?: string; parentId?: string; ownerId?: string; overwrites: Overwrite[];
  archived: boolean; locked: boolean; autoArchive: number; archiveTimestamp: string; appliedTags: string[];
  availableTags: Array<{ id: string; name: string }>; recipients?: string[]; messageCount: number;
}
export interface DoubleAttachment { id: string; filename: string; contentType: string; content: Buffer }
export interface DoubleMessage {
  id: string; channelId: string; guildId?: string; authorId: string; content: string; embeds: Json[]; components: Json[];
  attachments: DoubleAttachment[]; allowedMentions: Json | undefined; flags: number; type: number; timestamp: string;
  editedAt: string | null; deleted: boolean; reactions: Map<string, Set<string>>; threadId?: string; referenceId?: string; webhookId?: string;
}
export interface DoubleEphemeral { interactionId: string; userId: string; channelId: string; content: string; via: 'callback' | 'original' | 'followup'; at: number }
export interface InteractionResponse { kind: 'callback' | 'original' | 'followup'; type?: number; content?: string; flags?: number; at: number }
export interface DoubleInteraction {
  id: string; token: string; type: 2 | 3; userId: string; channelId: string; guildId: string; createdAt: number;
  acked: 'no' | 'replied' | 'deferred'; ephemeral: boolean; responses: InteractionResponse[];
}
export interface DoubleCommand { id: string; guildId: string; name: string; description: string; options: Json[]; version: string }

export const THREAD_TYPES = new Set<ChannelType>([ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread]);

/** A refusal in Discord's shape: `{ message, code, errors? }` with an HTTP status. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: number, message: string, readonly errors?: Json) {
    super(message);
  }
  body(): Json {
    return { message: this.message, code: this.code, ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const notFound = (what: 'Channel' | 'Message' | 'Guild' | 'Member' | 'User' | 'interaction' | 'Webhook', code: number) => new ApiError(404, code, `Unknown ${what}`);
export const missingAccess = () => new ApiError(403, 50001, 'Missing Access');
export const missingPermissions = () => new ApiError(403, 50013, 'Missing Permissions');

function formError(path: string, code: string, message: string): ApiError {
  const errors: Json = {};
  let node = errors;
  const keys = path.split('.');
  keys.forEach((key, i) => {
    const next: Json = i === keys.length - 1 ? { _errors: [{ code, message }] } : {};
    node[key] = next;
    node = next;
  });
  return new ApiError(400, 50035, 'Invalid Form Body', errors);
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Discord's limits for a message a bot sends (content, embeds, components, files). */
export function validateMessage(body: Json, fileCount: number, { requireSomething = true } = {}): void {
  const content = text(body.content);
  if (content.length > 2000) throw formError('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  const embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
  if (embeds.length > 10) throw formError('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  let total = 0;
  embeds.forEach((e, i) => {
    const title = text(e.title);
    const description = text(e.description);
    if (title.length > 256) throw formError(`embeds.${i}.title`, 'BASE_TYPE_MAX_LENGTH', 'Must be 256 or fewer in length.');
    if (description.length > 4096) throw formError(`embeds.${i}.description`, 'BASE_TYPE_MAX_LENGTH', 'Must be 4096 or fewer in length.');
    const fields = Array.isArray(e.fields) ? (e.fields as Json[]) : [];
    if (fields.length > 25) throw formError(`embeds.${i}.fields`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    fields.forEach((f, j) => {
      if (!text(f.name) || text(f.name).length > 256) throw formError(`embeds.${i}.fields.${j}.name`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 256 in length.');
      if (!text(f.value) || text(f.value).length > 1024) throw formError(`embeds.${i}.fields.${j}.value`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 1024 in length.');
      total += text(f.name).length + text(f.value).length;
    });
    total += title.length + description.length + text((e.footer as Json | undefined)?.text).length;
  });
  if (total > 6000) throw formError('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  const rows = Array.isArray(body.components) ? (body.components as Json[]) : [];
  if (rows.length > 5) throw formError('components', 'BASE_TYPE_MAX_LENGTH', 'Must be 5 or fewer in length.');
  rows.forEach((row, i) => {
    const items = Array.isArray(row.components) ? (row.components as Json[]) : [];
    if (row.type !== 1 || items.length === 0 || items.length > 5) throw formError(`components.${i}`, 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'An action row holds 1 to 5 buttons.');
    items.forEach((b, j) => {
      if (text(b.custom_id).length > 100 || text(b.label).length > 80) throw formError(`components.${i}.components.${j}`, 'BASE_TYPE_MAX_LENGTH', 'custom_id ≤ 100, label ≤ 80.');
    });
  });
  if (fileCount > 10) throw formError('files', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  if (requireSomething && !content && embeds.length === 0 && fileCount === 0 && rows.length === 0) throw new ApiError(400, 50006, 'Cannot send an empty message');
}

export function validateThreadName(name: unknown): string {
  const value = text(name);
  if (value.length < 1 || value.length > 100) throw formError('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  return value;
}

/** The command rules Discord enforces on registration (names, lengths, option order). */
export function validateCommand(command: Json, path = ''): void {
  const name = text(command.name);
  if (!/^[-_\p{Ll}\p{N}]{1,32}$/u.test(name)) throw formError(`${path}name`, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  const description = text(command.description);
  if (description.length < 1 || description.length > 100) throw formError(`${path}description`, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  const options = Array.isArray(command.options) ? (command.options as Json[]) : [];
  if (options.length > 25) throw formError(`${path}options`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let optionalSeen = false;
  options.forEach((o, i) => {
    if (o.type === 1 || o.type === 2) return validateCommand(o, `${path}options.${i}.`);
    if (o.required === true && optionalSeen) throw formError(`${path}options.${i}`, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    if (o.required !== true) optionalSeen = true;
    const choices = Array.isArray(o.choices) ? o.choices : [];
    if (choices.length > 25) throw formError(`${path}options.${i}.choices`, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    validateCommand({ name: o.name, description: o.description }, `${path}options.${i}.`);
  });
}

/** Discord's permission algorithm (independent of the adapter's, on purpose). */
export function permissionsIn(guild: DoubleGuild, channel: DoubleChannel | undefined, userId: string): bigint {
  if (guild.ownerId === userId) return ~0n;
  const member = guild.members.get(userId);
  if (!member) return 0n;
  let perms = 0n;
  for (const role of guild.roles) if (role.id === guild.id || member.roles.includes(role.id)) perms |= role.permissions;
  if (perms & PermissionFlagsBits.Administrator) return ~0n;
  if (!channel) return perms;
  const everyone = channel.overwrites.find((o) => o.id === guild.id);
  if (everyone) perms = (perms & ~everyone.deny) | everyone.allow;
  const roles = channel.overwrites.filter((o) => o.type === 0 && member.roles.includes(o.id));
  perms = (perms & ~roles.reduce((a, o) => a | o.deny, 0n)) | roles.reduce((a, o) => a | o.allow, 0n);
  const own = channel.overwrites.find((o) => o.type === 1 && o.id === userId);
  if (own) perms = (perms & ~own.deny) | own.allow;
  return perms;
}

export function userJson(u: DoubleUser): Json {
  return { id: u.id, username: u.username, global_name: u.globalName ?? null, discriminator: '0', avatar: null, bot: u.bot ?? false, public_flags: 0 };
}

export function channelJson(c: DoubleChannel): Json {
  const base: Json = { id: c.id, type: c.type, name: c.name, flags: 0, ...(c.guildId ? { guild_id: c.guildId } : {}) };
  if (c.type === ChannelType.DM) return { id: c.id, type: c.type, last_message_id: null, recipients: [], flags: 0 };
  if (THREAD_TYPES.has(c.type)) {
    return {
      ...base, parent_id: c.parentId ?? null, owner_id: c.ownerId ?? null, last_message_id: null, rate_limit_per_user: 0,
      message_count: c.messageCount, member_count: 1, total_message_sent: c.messageCount, applied_tags: c.appliedTags,
      thread_metadata: { archived: c.archived, auto_archive_duration: c.autoArchive, archive_timestamp: c.archiveTimestamp, locked: c.locked, create_timestamp: c.archiveTimestamp },
    };
  }
  const overwrites = c.overwrites.map((o) => ({ id: o.id, type: o.type, allow: o.allow.toString(), deny: o.deny.toString() }));
  const common = { ...base, position: 0, parent_id: c.parentId ?? null, permission_overwrites: overwrites, nsfw: false, rate_limit_per_user: 0 };
  if (c.type === ChannelType.GuildForum || c.type === ChannelType.GuildMedia) {
    return {
      ...common, topic: null, default_auto_archive_duration: 10080, default_thread_rate_limit_per_user: 0, default_reaction_emoji: null,
      default_sort_order: null, default_forum_layout: 0, last_message_id: null,
      available_tags: c.availableTags.map((t) => ({ id: t.id, name: t.name, moderated: false, emoji_id: null, emoji_name: null })),
    };
  }
  return { ...common, topic: null, last_message_id: null, default_auto_archive_duration: 10080 };
}

export function memberJson(guild: DoubleGuild, user: DoubleUser, withUser = true): Json {
  const m = guild.members.get(user.id) ?? { roles: [] };
  return {
    ...(withUser ? { user: userJson(user) } : {}), nick: m.nick ?? null, avatar: null, roles: m.roles, joined_at: '2026-01-01T00:00:00.000Z',
    premium_since: null, deaf: false, mute: false, flags: 0, pending: false,
  };
}

export function attachmentJson(a: DoubleAttachment, baseUrl: string, channelId: string): Json {
  const url = `${baseUrl}/attachments/${channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
  return { id: a.id, filename: a.filename, size: a.content.length, url, proxy_url: url, content_type: a.contentType };
}
