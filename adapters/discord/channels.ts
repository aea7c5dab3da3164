// What the adapter needs to know about channels: is it a thread (and of which parent), a text or
// a forum channel, is the thread archived, which tags does a forum offer. Learnt from the gateway
// (GUILD_CREATE, THREAD_*, CHANNEL_*) and from our own REST answers, and looked up with
// `GET /channels/{id}` when unknown — so a restart or a thread discord.js never cached still works.
import { ChannelType, DiscordAPIError, Routes, type REST } from 'discord.js';
import { BoundedCache } from '../bounded-cache.js';

export interface ForumTag { id: string; name: string }

export interface ChannelInfo {
  id: string;
  type: ChannelType;
  guildId?: string;
  parentId?: string;
  name?: string;
  archived?: boolean;
  appliedTags?: string[];
  availableTags?: ForumTag[];
}

type Json = Record<string, unknown>;
const asObj = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const str = (o: Json | undefined, key: string): string | undefined => (typeof o?.[key] === 'string' ? (o[key] as string) : undefined);

const THREAD_TYPES = new Set<ChannelType>([ChannelType.PublicThread, ChannelType.PrivateThread, ChannelType.AnnouncementThread]);
const FORUM_TYPES = new Set<ChannelType>([ChannelType.GuildForum, ChannelType.GuildMedia]);
const TEXT_TYPES = new Set<ChannelType>([ChannelType.GuildText, ChannelType.GuildAnnouncement]);

export const isThread = (c: ChannelInfo): boolean => THREAD_TYPES.has(c.type);
export const isForum = (c: ChannelInfo): boolean => FORUM_TYPES.has(c.type);
export const isTextChannel = (c: ChannelInfo): boolean => TEXT_TYPES.has(c.type);

/** Reads the fields we use from a channel object (gateway or REST); null when it is not one. */
export function parseChannel(raw: unknown, guildId?: string): ChannelInfo | null {
  const o = asObj(raw);
  const id = str(o, 'id');
  if (!o || !id || typeof o.type !== 'number') return null;
  const meta = asObj(o.thread_metadata);
  const tags = Array.isArray(o.available_tags) ? o.available_tags.map(asObj).filter((t): t is Json => t !== undefined) : undefined;
  const info: ChannelInfo = { id, type: o.type as ChannelType };
  const guild = str(o, 'guild_id') ?? guildId;
  if (guild) info.guildId = guild;
  const parent = str(o, 'parent_id');
  if (parent) info.parentId = parent;
  const name = str(o, 'name');
  if (name) info.name = name;
  if (typeof meta?.archived === 'boolean') info.archived = meta.archived;
  if (Array.isArray(o.applied_tags)) info.appliedTags = o.applied_tags.filter((t): t is string => typeof t === 'string');
  if (tags) info.availableTags = tags.flatMap((t) => (str(t, 'id') && str(t, 'name') ? [{ id: str(t, 'id')!, name: str(t, 'name')! }] : []));
  return info;
}

/** A Discord error code (e.g. 10003 Unknown Channel), or undefined for anything else. */
export function discordCode(err: unknown): number | undefined {
  return err instanceof DiscordAPIError && typeof err.code === 'number' ? err.code : undefined;
}

export class ChannelDirectory {
  private readonly known = new BoundedCache<ChannelInfo>(20_000);
  private readonly lookups = new Map<string, Promise<ChannelInfo | null>>();

  constructor(private readonly rest: REST) {}

  /** Remembers a channel; fields the payload lacks keep their earlier value. */
  learn(raw: unknown, guildId?: string): ChannelInfo | null {
    const info = parseChannel(raw, guildId);
    if (!info) return null;
    const merged = { ...this.known.get(info.id), ...info };
    this.known.set(info.id, merged);
    return merged;
  }

  learnGuild(raw: unknown): void {
    const guild = asObj(raw);
    const guildId = str(guild, 'id');
    for (const key of ['channels', 'threads']) {
      const list = guild?.[key];
      if (Array.isArray(list)) for (const channel of list) this.learn(channel, guildId);
    }
  }

  learnThreadList(raw: unknown): void {
    const o = asObj(raw);
    if (Array.isArray(o?.threads)) for (const thread of o.threads) this.learn(thread, str(o, 'guild_id'));
  }

  forget(id: string): void {
    this.known.delete(id);
  }

  peek(id: string): ChannelInfo | undefined {
    return this.known.get(id);
  }

  update(id: string, change: Partial<ChannelInfo>): void {
    const current = this.known.get(id);
    if (current) this.known.set(id, { ...current, ...change });
  }

  /** The channel, from memory or `GET /channels/{id}`; null when Discord says it is not there for us. */
  async resolve(id: string): Promise<ChannelInfo | null> {
    const known = this.known.get(id);
    if (known) return known;
    const running = this.lookups.get(id);
    if (running) return running;
    const lookup = (async () => {
      try {
        return this.learn(await this.rest.get(Routes.channel(id)));
      } catch (err) {
        // Unknown Channel / Missing Access: not a channel we can act in.
        if (discordCode(err) === 10003 || discordCode(err) === 50001) return null;
        throw err;
      } finally {
        this.lookups.delete(id);
      }
    })();
    this.lookups.set(id, lookup);
    return lookup;
  }

  /** Like resolve(), but a missing channel is an error that says what to fix. */
  async require(id: string, what: string): Promise<ChannelInfo> {
    const info = await this.resolve(id);
    if (!info) {
      throw new Error(`Discord channel ${id} (${what}) does not exist or the bot cannot see it: check the channel id in the config and give the bot View Channel there.`);
    }
    return info;
  }
}

const normalTag = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');
const STATUS_TAG_NAMES = new Set(['open', 'inprogress', 'waiting', 'closed', 'spam', 'archived', 'deleted']);

/**
 * The tags a forum post should carry for `status`: the forum's tag named like the status (if it
 * has one; "In progress" matches in_progress), other status tags removed, every other tag kept.
 */
export function tagsForStatus(forum: ChannelInfo | undefined, current: readonly string[], status: string): string[] {
  const statusTags = (forum?.availableTags ?? []).filter((t) => STATUS_TAG_NAMES.has(normalTag(t.name)));
  const kept = current.filter((id) => !statusTags.some((t) => t.id === id));
  const match = statusTags.find((t) => normalTag(t.name) === normalTag(status));
  return [...kept, ...(match ? [match.id] : [])].slice(0, 5); // Discord allows 5 tags per post
}

export function sameTags(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((t) => b.includes(t));
}
