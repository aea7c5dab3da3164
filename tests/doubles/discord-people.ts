// The people side of the Discord double: guild members post, edit and delete messages, react,
// use `/ticket` and press buttons. Each action changes the double's state and is then delivered
// to the bot over the gateway as Discord does (MESSAGE_*, MESSAGE_REACTION_ADD,
// INTERACTION_CREATE shaped like the documentation), in order.
import { ApplicationCommandOptionType, ChannelType, ComponentType, GatewayIntentBits, InteractionType } from 'discord.js';
import type { DiscordDouble } from './discord-double.js';
import { channelJson, memberJson, permissionsIn, THREAD_TYPES, userJson, type DoubleChannel, type DoubleInteraction, type DoubleMessage, type Json } from './discord-model.js';

export interface PersonFile { filename: string; contentType: string; content: Buffer }
export interface SlashOption { name: string; type: ApplicationCommandOptionType; value: string | number | boolean }

export class DiscordPeople {
  constructor(private readonly d: DiscordDouble) {}

  post(userId: string, channelId: string, content: string, files: PersonFile[] = []): DoubleMessage {
    const channel = this.channel(channelId);
    if (THREAD_TYPES.has(channel.type) && channel.archived) {
      // A member writing in an archived thread unarchives it.
      channel.archived = false;
      this.d.emitChannel('THREAD_UPDATE', channel);
    }
    const message: DoubleMessage = {
      id: this.d.ids.next(), channelId, authorId: userId, content, embeds: [], components: [], allowedMentions: undefined, flags: 0, type: 0,
      attachments: files.map((f) => ({ id: this.d.ids.next(), filename: f.filename, contentType: f.contentType, content: f.content })),
      timestamp: new Date().toISOString(), editedAt: null, deleted: false, reactions: new Map(), ...(channel.guildId ? { guildId: channel.guildId } : {}),
    };
    this.d.messages.set(message.id, message);
    if (THREAD_TYPES.has(channel.type)) channel.messageCount += 1;
    this.d.emitMessage('MESSAGE_CREATE', message);
    return message;
  }

  edit(userId: string, messageId: string, content: string): DoubleMessage {
    const message = this.own(userId, messageId);
    message.content = content;
    message.editedAt = new Date().toISOString();
    this.d.emitMessage('MESSAGE_UPDATE', message);
    return message;
  }

  /** Discord also sends MESSAGE_UPDATE when it adds a link preview: no edit, same text. */
  unfurl(messageId: string): void {
    const message = this.d.message(messageId);
    if (!message) throw new Error(`no message ${messageId}`);
    message.embeds = [{ type: 'link', url: 'https://example.test', title: 'Example' }];
    this.d.emitMessage('MESSAGE_UPDATE', message);
  }

  remove(userId: string, messageId: string): void {
    const message = this.own(userId, messageId);
    message.deleted = true;
    this.d.emit('MESSAGE_DELETE', GatewayIntentBits.GuildMessages, { id: message.id, channel_id: message.channelId, ...(message.guildId ? { guild_id: message.guildId } : {}) });
  }

  react(userId: string, messageId: string, emoji: string | { id: string; name: string }): void {
    const message = this.d.message(messageId);
    if (!message) throw new Error(`no message ${messageId}`);
    const channel = this.channel(message.channelId);
    const guild = this.d.guildOf(channel);
    const user = this.d.users.get(userId);
    if (!guild || !user) throw new Error(`user ${userId} is not in the guild of ${channel.id}`);
    const key = typeof emoji === 'string' ? emoji : `${emoji.name}:${emoji.id}`;
    message.reactions.set(key, (message.reactions.get(key) ?? new Set<string>()).add(userId));
    this.d.emit('MESSAGE_REACTION_ADD', GatewayIntentBits.GuildMessageReactions, {
      user_id: userId, channel_id: channel.id, message_id: message.id, guild_id: guild.id, member: memberJson(guild, user),
      emoji: typeof emoji === 'string' ? { id: null, name: emoji } : { id: emoji.id, name: emoji.name, animated: false },
      message_author_id: message.authorId, burst: false, burst_colors: [], type: 0,
    });
  }

  /** `/ticket <subcommand>` with typed options, as the Discord client sends it. */
  slash(userId: string, channelId: string, subcommand: string, options: SlashOption[] = []): DoubleInteraction {
    const channel = this.channel(channelId);
    const guildId = channel.guildId ?? '';
    const command = (this.d.commands.get(guildId) ?? []).find((c) => c.name === 'ticket');
    if (!command) throw new Error(`/ticket is not registered in guild ${guildId}`);
    const users = options.filter((o) => o.type === ApplicationCommandOptionType.User).map((o) => this.d.users.get(String(o.value)));
    const guild = this.d.guildOf(channel);
    const resolved = users.length > 0 && guild ? {
      users: Object.fromEntries(users.flatMap((u) => (u ? [[u.id, userJson(u)]] : []))),
      members: Object.fromEntries(users.flatMap((u) => (u ? [[u.id, { ...memberJson(guild, u, false), permissions: '0' }]] : []))),
    } : undefined;
    const data: Json = {
      id: command.id, name: 'ticket', type: 1, guild_id: guildId,
      options: [{ type: ApplicationCommandOptionType.Subcommand, name: subcommand, options }], ...(resolved ? { resolved } : {}),
    };
    return this.interact(userId, channel, InteractionType.ApplicationCommand, data);
  }

  /** Fills the registered subcommand's options in order from a typed line (`list mine`, `claim #123`). */
  slashText(userId: string, channelId: string, line: string): DoubleInteraction {
    const [verb = '', ...words] = line.trim().split(/\s+/);
    const channel = this.channel(channelId);
    const command = (this.d.commands.get(channel.guildId ?? '') ?? []).find((c) => c.name === 'ticket');
    const sub = (command?.options ?? []).find((o) => o.name === verb);
    if (!sub) throw new Error(`/ticket has no subcommand ${verb}`);
    const declared = (Array.isArray(sub.options) ? (sub.options as Json[]) : []).filter((o) => o.name !== 'ticket');
    const options: SlashOption[] = [];
    const ticket = words[0]?.startsWith('#') ? words.shift() : undefined;
    if (ticket) options.push({ name: 'ticket', type: ApplicationCommandOptionType.String, value: ticket });
    declared.forEach((o, i) => {
      if (words.length === 0) return;
      const last = i === declared.length - 1 || declared.slice(i + 1).every((n) => n.type !== ApplicationCommandOptionType.String);
      const value = o.type === ApplicationCommandOptionType.String && last ? words.splice(0).join(' ') : words.shift() ?? '';
      const type = o.type as ApplicationCommandOptionType;
      options.push({ name: String(o.name), type, value: type === ApplicationCommandOptionType.Boolean ? value === 'true' : value.replace(/^<@(\d+)>$/, '$1') });
    });
    return this.slash(userId, channelId, verb, options);
  }

  /** Presses the button labelled `label` (case-insensitive) on a message. */
  click(userId: string, messageId: string, label: string): DoubleInteraction {
    const message = this.d.message(messageId);
    if (!message) throw new Error(`no message ${messageId}`);
    const buttons = message.components.flatMap((row) => (Array.isArray(row.components) ? (row.components as Json[]) : []));
    const button = buttons.find((b) => String(b.label).toLowerCase() === label.toLowerCase());
    if (!button) throw new Error(`no button "${label}" on message ${messageId}; there are ${buttons.map((b) => String(b.label)).join(', ') || 'none'}`);
    const data = { custom_id: button.custom_id, component_type: ComponentType.Button };
    return this.interact(userId, this.channel(message.channelId), InteractionType.MessageComponent, data, message);
  }

  private interact(userId: string, channel: DoubleChannel, type: 2 | 3, data: Json, message?: DoubleMessage): DoubleInteraction {
    const guild = this.d.guildOf(channel);
    const user = this.d.users.get(userId);
    if (!guild || !user) throw new Error(`user ${userId} is not in the guild of ${channel.id}`);
    const interaction: DoubleInteraction = {
      id: this.d.ids.next(), token: `interaction-token-${this.d.ids.next()}`, type, userId, channelId: channel.id, guildId: guild.id,
      createdAt: Date.now(), acked: 'no', ephemeral: false, responses: [],
    };
    this.d.interactions.set(interaction.id, interaction);
    const scope = THREAD_TYPES.has(channel.type) ? this.d.channels.get(channel.parentId ?? '') : channel;
    this.d.emit('INTERACTION_CREATE', null, {
      id: interaction.id, application_id: this.d.applicationId, type, token: interaction.token, version: 1, data,
      guild_id: guild.id, guild: { id: guild.id, locale: 'en-US', features: [] }, channel_id: channel.id, channel: channelJson(channel),
      member: { ...memberJson(guild, user), permissions: permissionsIn(guild, scope, userId).toString() },
      app_permissions: permissionsIn(guild, scope, this.d.bot.id).toString(), locale: 'en-US', guild_locale: 'en-US',
      entitlements: [], authorizing_integration_owners: { '0': guild.id }, context: 0, attachment_size_limit: 10 * 1024 * 1024,
      ...(message ? { message: this.d.messageJson(message) } : {}),
    });
    return interaction;
  }

  private channel(id: string): DoubleChannel {
    const channel = this.d.channels.get(id);
    if (!channel || channel.type === ChannelType.DM) throw new Error(`no guild channel ${id}`);
    return channel;
  }

  private own(userId: string, messageId: string): DoubleMessage {
    const message = this.d.message(messageId);
    if (!message || message.authorId !== userId) throw new Error(`${userId} has no message ${messageId}`);
    return message;
  }
}
