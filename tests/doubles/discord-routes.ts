// The REST routes of the Discord double (bot side), shaped like Discord's API v10: what each
// answers, which Discord error it gives when refused, and which gateway event the change causes.
import { ChannelType, GatewayIntentBits, PermissionFlagsBits } from 'discord.js';
import type { DiscordDouble } from './discord-double.js';
import {
  ApiError, channelJson, memberJson, missingAccess, notFound, THREAD_TYPES, userJson, validateCommand, validateMessage, validateThreadName,
  type DoubleChannel, type DoubleCommand, type DoubleInteraction, type DoubleMessage, type Json,
} from './discord-model.js';

export interface RouteRequest {
  method: string;
  segments: string[];
  /** e.g. `POST /channels/:id/messages` */
  route: string;
  path: string;
  query: URLSearchParams;
  body: Json | undefined;
  files: Array<{ key: string; filename: string; contentType: string; content: Buffer }>;
}
export interface RouteResult { status?: number; body: Json | Json[] | null }

const EPHEMERAL = 64;
const INTERACTION_TOKEN_MS = 15 * 60 * 1000;
const AUTO_ARCHIVE = new Set([60, 1440, 4320, 10080]);
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const ok = (body: Json | Json[] | null, status = 200): RouteResult => ({ status, body });

export function handleRoute(d: DiscordDouble, r: RouteRequest, authorization: string | undefined): RouteResult {
  const s = r.segments;
  // Interaction callbacks and webhook-token routes are authorised by their token, not the bot's.
  if (r.route === 'POST /interactions/:id/:id/callback') return interactionCallback(d, r, s[1] ?? '', s[2] ?? '');
  if (s[0] === 'webhooks') return webhook(d, r, s[1] ?? '', s[2] ?? '', s.slice(3));
  if (authorization !== `Bot ${d.token}`) throw new ApiError(401, 0, '401: Unauthorized');
  const body = r.body ?? {};
  switch (r.route) {
    case 'GET /gateway/bot':
      return ok({ url: d.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } });
    case 'GET /gateway':
      return ok({ url: d.gatewayUrl });
    case 'GET /users/@me':
      return ok({ ...userJson(d.bot), verified: true, mfa_enabled: false, flags: 0 });
    case 'GET /applications/@me':
      return ok({ id: d.applicationId, name: d.bot.username, description: '', bot_public: false, bot_require_code_grant: false, bot: userJson(d.bot), flags: GatewayIntentBits.MessageContent });
    case 'POST /users/@me/channels':
      return ok(channelJson(dmChannel(d, text(body.recipient_id))));
    case 'GET /guilds/:id': {
      const guild = d.guilds.get(s[1] ?? '');
      if (!guild || !guild.members.has(d.bot.id)) throw missingAccess();
      return ok(d.guildJson(guild));
    }
    case 'GET /guilds/:id/members/:id': {
      const guild = d.guilds.get(s[1] ?? '');
      if (!guild || !guild.members.has(d.bot.id)) throw missingAccess();
      const user = d.users.get(s[3] ?? '');
      if (!user || !guild.members.has(user.id)) throw notFound('Member', 10007);
      return ok(memberJson(guild, user));
    }
    case 'GET /channels/:id':
      return ok(channelJson(visible(d, channelOf(d, s[1]))));
    case 'PATCH /channels/:id':
      return ok(patchChannel(d, visible(d, channelOf(d, s[1])), body));
    case 'POST /channels/:id/messages':
      return ok(d.messageJson(createMessage(d, channelOf(d, s[1]), r)));
    case 'GET /channels/:id/messages/:id':
      return ok(d.messageJson(messageIn(d, visible(d, channelOf(d, s[1])), s[3])));
    case 'PATCH /channels/:id/messages/:id':
      return ok(d.messageJson(editMessage(d, channelOf(d, s[1]), s[3], r)));
    case 'DELETE /channels/:id/messages/:id':
      deleteMessage(d, channelOf(d, s[1]), s[3]);
      return ok(null, 204);
    case 'POST /channels/:id/messages/:id/threads':
      return ok(channelJson(threadFromMessage(d, channelOf(d, s[1]), s[3], body)));
    case 'POST /channels/:id/threads':
      return ok(createThread(d, channelOf(d, s[1]), r));
    case 'GET /applications/:id/guilds/:id/commands':
    case 'PUT /applications/:id/guilds/:id/commands':
      return ok(guildCommands(d, r, s[1] ?? '', s[3] ?? ''));
  }
  if (r.method === 'PUT' && /^\/channels\/:id\/messages\/:id\/reactions\/[^/]+\/@me$/.test(r.route.slice(4))) {
    const channel = visible(d, channelOf(d, s[1]));
    const message = messageIn(d, channel, s[3]);
    const emoji = s[5] ?? '';
    message.reactions.set(emoji, (message.reactions.get(emoji) ?? new Set<string>()).add(d.bot.id));
    d.emit('MESSAGE_REACTION_ADD', GatewayIntentBits.GuildMessageReactions, {
      user_id: d.bot.id, channel_id: channel.id, message_id: message.id, guild_id: channel.guildId, emoji: { id: null, name: emoji }, burst: false, type: 0,
      member: d.guildOf(channel) ? memberJson(d.guildOf(channel)!, d.bot) : undefined, message_author_id: message.authorId,
    });
    return ok(null, 204);
  }
  throw new ApiError(404, 0, `404: Not Found (the double has no ${r.route})`);
}

function channelOf(d: DiscordDouble, id: string | undefined): DoubleChannel {
  const channel = d.channels.get(id ?? '');
  if (!channel) throw notFound('Channel', 10003);
  return channel;
}

function visible(d: DiscordDouble, channel: DoubleChannel): DoubleChannel {
  d.requirePermission(channel, PermissionFlagsBits.ViewChannel);
  return channel;
}

function messageIn(d: DiscordDouble, channel: DoubleChannel, id: string | undefined): DoubleMessage {
  const message = d.message(id ?? '');
  if (!message || message.channelId !== channel.id) throw notFound('Message', 10008);
  return message;
}

function notArchived(channel: DoubleChannel): void {
  if (channel.archived) throw new ApiError(400, 50083, 'Thread is archived');
}

function dmChannel(d: DiscordDouble, userId: string): DoubleChannel {
  if (!d.users.has(userId)) throw notFound('User', 10013);
  const existing = [...d.channels.values()].find((c) => c.type === ChannelType.DM && c.recipients?.includes(userId));
  return existing ?? d.newChannel({ type: ChannelType.DM, name: '', recipients: [d.bot.id, userId] });
}

/** A message authored by the bot (REST) or sent as an interaction answer (webhook). */
export function insertBotMessage(d: DiscordDouble, channel: DoubleChannel, body: Json, files: RouteRequest['files'], extra: Partial<DoubleMessage> = {}): DoubleMessage {
  validateMessage(body, files.length);
  const described = Array.isArray(body.attachments) ? (body.attachments as Json[]) : [];
  const reference = (body.message_reference as Json | undefined)?.message_id;
  const message: DoubleMessage = {
    id: d.ids.next(), channelId: channel.id, authorId: d.bot.id, content: text(body.content),
    embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : [], components: Array.isArray(body.components) ? (body.components as Json[]) : [],
    attachments: files.map((f, i) => ({ id: d.ids.next(), filename: text(described[i]?.filename) || f.filename, contentType: f.contentType, content: f.content })),
    allowedMentions: body.allowed_mentions as Json | undefined, flags: typeof body.flags === 'number' ? body.flags & ~EPHEMERAL : 0,
    type: typeof reference === 'string' ? 19 : 0, timestamp: new Date().toISOString(), editedAt: null, deleted: false, reactions: new Map(),
    ...(channel.guildId ? { guildId: channel.guildId } : {}), ...(typeof reference === 'string' ? { referenceId: reference } : {}), ...extra,
  };
  d.messages.set(message.id, message);
  if (THREAD_TYPES.has(channel.type)) channel.messageCount += 1;
  d.emitMessage('MESSAGE_CREATE', message);
  return message;
}

function createMessage(d: DiscordDouble, channel: DoubleChannel, r: RouteRequest): DoubleMessage {
  if (channel.type === ChannelType.DM) {
    const user = d.users.get(channel.recipients?.find((id) => id !== d.bot.id) ?? '');
    if (user?.acceptsDms === false) throw new ApiError(403, 50007, 'Cannot send messages to this user');
    return insertBotMessage(d, channel, r.body ?? {}, r.files);
  }
  const isThread = THREAD_TYPES.has(channel.type);
  if (!isThread && channel.type !== ChannelType.GuildText) throw new ApiError(400, 50008, 'Cannot send messages in a non-text channel');
  const needs = (isThread ? PermissionFlagsBits.SendMessagesInThreads : PermissionFlagsBits.SendMessages) | (r.files.length > 0 ? PermissionFlagsBits.AttachFiles : 0n);
  d.requirePermission(channel, needs);
  if (isThread) notArchived(channel);
  return insertBotMessage(d, channel, r.body ?? {}, r.files);
}

function editMessage(d: DiscordDouble, channel: DoubleChannel, id: string | undefined, r: RouteRequest): DoubleMessage {
  const message = messageIn(d, visible(d, channel), id);
  if (message.authorId !== d.bot.id) throw new ApiError(403, 50005, 'Cannot edit a message authored by another user');
  if (THREAD_TYPES.has(channel.type)) notArchived(channel);
  const body = r.body ?? {};
  const kept = Array.isArray(body.attachments)
    ? message.attachments.filter((a) => (body.attachments as Json[]).some((x) => x.id === a.id))
    : message.attachments;
  const described = Array.isArray(body.attachments) ? (body.attachments as Json[]).filter((x) => typeof x.id === 'number') : [];
  const added = r.files.map((f, i) => ({ id: d.ids.next(), filename: text(described[i]?.filename) || f.filename, contentType: f.contentType, content: f.content }));
  const next = {
    content: body.content !== undefined ? text(body.content) : message.content,
    embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : message.embeds,
    components: Array.isArray(body.components) ? (body.components as Json[]) : message.components,
  };
  validateMessage(next, kept.length + added.length);
  Object.assign(message, next, { attachments: [...kept, ...added], editedAt: new Date().toISOString() });
  if (body.allowed_mentions !== undefined) message.allowedMentions = body.allowed_mentions as Json;
  d.emitMessage('MESSAGE_UPDATE', message);
  return message;
}

function deleteMessage(d: DiscordDouble, channel: DoubleChannel, id: string | undefined): void {
  const message = messageIn(d, visible(d, channel), id);
  if (message.authorId !== d.bot.id) d.requirePermission(channel, PermissionFlagsBits.ManageMessages);
  if (THREAD_TYPES.has(channel.type)) notArchived(channel);
  message.deleted = true;
  d.emit('MESSAGE_DELETE', channel.guildId ? GatewayIntentBits.GuildMessages : GatewayIntentBits.DirectMessages, { id: message.id, channel_id: channel.id, ...(channel.guildId ? { guild_id: channel.guildId } : {}) });
}

function autoArchive(value: unknown): number {
  if (value === undefined) return 10080;
  if (typeof value !== 'number' || !AUTO_ARCHIVE.has(value)) throw new ApiError(400, 50035, 'Invalid Form Body: auto_archive_duration must be 60, 1440, 4320 or 10080');
  return value;
}

function checkThreadLimit(d: DiscordDouble, guildId: string | undefined): void {
  const active = [...d.channels.values()].filter((c) => c.guildId === guildId && THREAD_TYPES.has(c.type) && !c.archived).length;
  if (active >= d.maxActiveThreadsPerGuild) throw new ApiError(400, 160006, 'Maximum number of active threads reached');
}

function threadFromMessage(d: DiscordDouble, channel: DoubleChannel, messageId: string | undefined, body: Json): DoubleChannel {
  d.requirePermission(channel, PermissionFlagsBits.CreatePublicThreads);
  if (channel.type !== ChannelType.GuildText) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
  const message = messageIn(d, channel, messageId);
  if (message.threadId) throw new ApiError(400, 160004, 'A thread has already been created for this message');
  checkThreadLimit(d, channel.guildId);
  // A thread started from a message has that message's id.
  const thread = d.newChannel({
    id: message.id, type: ChannelType.PublicThread, name: validateThreadName(body.name), autoArchive: autoArchive(body.auto_archive_duration),
    parentId: channel.id, ownerId: d.bot.id, ...(channel.guildId ? { guildId: channel.guildId } : {}),
  });
  message.threadId = thread.id;
  d.emitChannel('THREAD_CREATE', thread, { newly_created: true });
  d.emitMessage('MESSAGE_UPDATE', message);
  return thread;
}

function createThread(d: DiscordDouble, parent: DoubleChannel, r: RouteRequest): Json {
  const body = r.body ?? {};
  const forum = parent.type === ChannelType.GuildForum || parent.type === ChannelType.GuildMedia;
  if (!forum && parent.type !== ChannelType.GuildText) throw new ApiError(400, 50024, 'Cannot execute action on this channel type');
  d.requirePermission(parent, forum ? PermissionFlagsBits.SendMessages : PermissionFlagsBits.CreatePublicThreads);
  const tags = Array.isArray(body.applied_tags) ? body.applied_tags.map(String) : [];
  if (tags.length > 5 || tags.some((t) => !parent.availableTags.some((a) => a.id === t))) throw new ApiError(400, 50035, 'Invalid Form Body: applied_tags');
  if (forum && typeof body.message !== 'object') throw new ApiError(400, 50035, 'Invalid Form Body: message is required in a forum channel');
  checkThreadLimit(d, parent.guildId);
  const thread = d.newChannel({
    type: forum ? ChannelType.PublicThread : typeof body.type === 'number' ? body.type : ChannelType.PrivateThread, name: validateThreadName(body.name),
    autoArchive: autoArchive(body.auto_archive_duration), parentId: parent.id, ownerId: d.bot.id, appliedTags: tags, ...(parent.guildId ? { guildId: parent.guildId } : {}),
  });
  d.emitChannel('THREAD_CREATE', thread, { newly_created: true });
  if (!forum) return channelJson(thread);
  // A forum post's first message has the post's id.
  const starter = insertBotMessage(d, thread, body.message as Json, r.files, { id: thread.id });
  return { ...channelJson(thread), message: d.messageJson(starter) };
}

function patchChannel(d: DiscordDouble, channel: DoubleChannel, body: Json): Json {
  if (!THREAD_TYPES.has(channel.type)) {
    d.requirePermission(channel, PermissionFlagsBits.ManageChannels);
    if (typeof body.name === 'string') channel.name = body.name;
    d.emitChannel('CHANNEL_UPDATE', channel);
    return channelJson(channel);
  }
  if (channel.ownerId !== d.bot.id) d.requirePermission(channel, PermissionFlagsBits.ManageThreads);
  const unarchives = body.archived === false;
  const others = Object.keys(body).filter((k) => k !== 'archived' && k !== 'locked');
  // An archived thread only accepts being unarchived (other changes may come in the same call).
  if (channel.archived && !unarchives && others.length > 0) throw new ApiError(400, 50083, 'Thread is archived');
  if (channel.archived && body.archived === true && others.length === 0) return channelJson(channel);
  if (typeof body.name === 'string') channel.name = validateThreadName(body.name);
  if (body.auto_archive_duration !== undefined) channel.autoArchive = autoArchive(body.auto_archive_duration);
  if (Array.isArray(body.applied_tags)) {
    const parent = d.channels.get(channel.parentId ?? '');
    const tags = body.applied_tags.map(String);
    if (tags.length > 5 || tags.some((t) => !parent?.availableTags.some((a) => a.id === t))) throw new ApiError(400, 50035, 'Invalid Form Body: applied_tags');
    channel.appliedTags = tags;
  }
  if (typeof body.locked === 'boolean') channel.locked = body.locked;
  if (typeof body.archived === 'boolean' && body.archived !== channel.archived) {
    if (!body.archived) checkThreadLimit(d, channel.guildId);
    channel.archived = body.archived;
    channel.archiveTimestamp = new Date().toISOString();
  }
  d.emitChannel('THREAD_UPDATE', channel);
  return channelJson(channel);
}

function guildCommands(d: DiscordDouble, r: RouteRequest, appId: string, guildId: string): Json[] {
  const guild = d.guilds.get(guildId);
  if (appId !== d.applicationId || !guild || !guild.members.has(d.bot.id)) throw missingAccess();
  const commandJson = (c: DoubleCommand): Json => ({
    id: c.id, application_id: d.applicationId, guild_id: c.guildId, name: c.name, description: c.description, type: 1, options: c.options, version: c.version,
    default_member_permissions: null, nsfw: false,
  });
  if (r.method === 'PUT') {
    const list = Array.isArray(r.body) ? (r.body as Json[]) : [];
    list.forEach((c) => validateCommand(c));
    const before = d.commands.get(guildId) ?? [];
    // Bulk overwrite: a command with a known name keeps its id; the rest are replaced.
    d.commands.set(guildId, list.map((c) => {
      const known = before.find((b) => b.name === c.name);
      const options = Array.isArray(c.options) ? (c.options as Json[]) : [];
      const same = known && JSON.stringify(known.options) === JSON.stringify(options) && known.description === c.description;
      return { id: known?.id ?? d.ids.next(), guildId, name: text(c.name), description: text(c.description), options, version: same ? known.version : d.ids.next() };
    }));
  }
  return (d.commands.get(guildId) ?? []).map(commandJson);
}

function interactionByToken(d: DiscordDouble, token: string): DoubleInteraction {
  const found = [...d.interactions.values()].find((i) => i.token === token);
  if (!found || Date.now() - found.createdAt > INTERACTION_TOKEN_MS) throw notFound('Webhook', 10015);
  return found;
}

function interactionCallback(d: DiscordDouble, r: RouteRequest, id: string, token: string): RouteResult {
  const interaction = d.interactions.get(id);
  if (!interaction || interaction.token !== token || Date.now() - interaction.createdAt > d.ackDeadlineMs) throw notFound('interaction', 10062);
  if (interaction.acked !== 'no') throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
  const body = r.body ?? {};
  const data = (body.data ?? {}) as Json;
  const flags = typeof data.flags === 'number' ? data.flags : 0;
  const now = Date.now();
  if (body.type === 4) {
    validateMessage(data, r.files.length);
    answer(d, interaction, 'callback', data, r.files, flags);
    interaction.acked = 'replied';
  } else if (body.type === 5) {
    interaction.acked = 'deferred';
    interaction.ephemeral = (flags & EPHEMERAL) !== 0;
    interaction.responses.push({ kind: 'callback', type: 5, flags, at: now });
  } else if (body.type === 6 || body.type === 7) {
    interaction.acked = 'replied';
    interaction.responses.push({ kind: 'callback', type: body.type, at: now });
  } else {
    throw new ApiError(400, 50035, 'Invalid Form Body: unknown interaction response type');
  }
  const withResponse = r.query.get('with_response') === 'true';
  return withResponse ? ok({ interaction: { id, type: interaction.type, response_message_ephemeral: interaction.ephemeral } }) : ok(null, 204);
}

function answer(d: DiscordDouble, interaction: DoubleInteraction, kind: 'callback' | 'original' | 'followup', data: Json, files: RouteRequest['files'], flags: number): Json {
  const content = text(data.content);
  interaction.responses.push({ kind, type: kind === 'callback' ? 4 : undefined, content, flags, at: Date.now() });
  const ephemeral = kind === 'original' ? interaction.ephemeral : (flags & EPHEMERAL) !== 0;
  if (kind === 'callback') interaction.ephemeral = ephemeral;
  if (ephemeral) {
    d.ephemerals.push({ interactionId: interaction.id, userId: interaction.userId, channelId: interaction.channelId, content, via: kind, at: Date.now() });
    return { id: d.ids.next(), channel_id: interaction.channelId, content, flags: EPHEMERAL, author: userJson(d.bot), embeds: [], components: [], attachments: [] };
  }
  const channel = d.channels.get(interaction.channelId);
  if (!channel) throw notFound('Channel', 10003);
  return d.messageJson(insertBotMessage(d, channel, data, files, { webhookId: d.applicationId, type: 20 }));
}

function webhook(d: DiscordDouble, r: RouteRequest, appId: string, token: string, rest: string[]): RouteResult {
  if (appId !== d.applicationId) throw notFound('Webhook', 10015);
  const interaction = interactionByToken(d, token);
  const body = r.body ?? {};
  if (interaction.acked === 'no') throw notFound('Webhook', 10015);
  if (r.method === 'POST' && rest.length === 0) {
    validateMessage(body, r.files.length);
    return ok(answer(d, interaction, 'followup', body, r.files, typeof body.flags === 'number' ? body.flags : 0));
  }
  if (rest[0] === 'messages' && rest[1] === '@original' && (r.method === 'PATCH' || r.method === 'GET')) {
    if (r.method === 'GET') return ok({ id: d.ids.next(), content: interaction.responses.at(-1)?.content ?? '', flags: interaction.ephemeral ? EPHEMERAL : 0 });
    validateMessage(body, r.files.length, { requireSomething: false });
    return ok(answer(d, interaction, 'original', body, r.files, 0));
  }
  throw new ApiError(404, 0, `404: Not Found (the double has no ${r.route})`);
}
