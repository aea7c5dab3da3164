// Rendering both ways: ticket cards → an embed with buttons, our Markdown → Discord messages
// within Discord's limits, and Discord message text → our Markdown. Text that came from a user
// (subjects, names) is backslash-escaped so it shows as typed; every message is also sent with
// `allowed_mentions: { parse: [] }` (see MESSAGE_DEFAULTS), so `@everyone` or `<@id>` never pings.
import {
  ButtonStyle, ComponentType,
  type APIActionRowComponent, type APIAllowedMentions, type APIButtonComponentWithCustomId, type APIEmbed, type APIEmbedField,
} from 'discord.js';
import type { OutboundMessage, TicketCard } from '../chat-port.js';
import { KIND_LABELS, viaOrigin } from '../message-labels.js';

/** Discord's limits (https://discord.com/developers/docs/resources/message, …/channel). */
export const LIMITS = { content: 2000, title: 256, fieldValue: 1024, fieldName: 256, embedTotal: 6000, threadName: 100, filesPerMessage: 10 } as const;

/** Nobody is ever pinged by what threaddesk posts: customers write `@everyone` too. */
export const NO_MENTIONS: APIAllowedMentions = { parse: [] };

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Backslash-escapes Discord markdown and mention syntax, so the text shows exactly as typed. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\*_~`|<>#[\]()@:-]/g, '\\$&');
}

/** Escapes, then caps at `max` without leaving half an escape at the end. */
function escaped(text: string, max: number): string {
  let out = escapeMarkdown(truncate(text.replace(/\s+/g, ' ').trim(), max));
  if (out.length > max) out = out.slice(0, max - 1).replace(/\\$/, '') + '…';
  return out;
}

function displayNumber(number: string): string {
  return /^\d/.test(number) ? `#${number}` : number;
}

// ---------------------------------------------------------------------------------------------
// Ticket card

/** Card buttons: custom id → command line for the core. */
export const CARD_BUTTONS = [
  { customId: 'ticket:claim', label: 'Claim', command: 'claim', style: ButtonStyle.Primary },
  { customId: 'ticket:release', label: 'Release', command: 'release', style: ButtonStyle.Secondary },
  { customId: 'ticket:waiting', label: 'Waiting', command: 'status waiting', style: ButtonStyle.Secondary },
  { customId: 'ticket:close', label: 'Close', command: 'close', style: ButtonStyle.Danger },
  { customId: 'ticket:reopen', label: 'Reopen', command: 'reopen', style: ButtonStyle.Success },
] as const;

export function commandForButton(customId: string): string | undefined {
  return CARD_BUTTONS.find((b) => b.customId === customId)?.command;
}

const STATUS_COLOURS: Record<string, number> = {
  open: 0x3498db, in_progress: 0xf1c40f, waiting: 0xe67e22, closed: 0x2ecc71, spam: 0xe74c3c,
};

/** Threads of tickets that are not open are archived (Discord allows 1 000 active threads per guild). */
export function shouldArchive(card: TicketCard): boolean {
  return card.state !== 'open';
}

function buttonsFor(card: TicketCard): APIButtonComponentWithCustomId[] {
  const ids: string[] = card.state === 'open'
    ? ['ticket:claim', 'ticket:release', 'ticket:waiting', 'ticket:close']
    : card.state === 'closed' ? ['ticket:reopen'] : [];
  return CARD_BUTTONS.filter((b) => ids.includes(b.customId)).map((b) => ({ type: ComponentType.Button, custom_id: b.customId, label: b.label, style: b.style }));
}

export interface CardPayload {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
  allowed_mentions: APIAllowedMentions;
}

export function renderCard(card: TicketCard): CardPayload {
  const field = (name: string, value: string, inline = true): APIEmbedField => ({ name, value: value || '—', inline });
  const created = Math.floor(card.createdAt.getTime() / 1000);
  const fields: APIEmbedField[] = [
    field('Status', escaped(card.status, 100)),
    field('Assignee', card.assignee ? escaped(card.assignee, 200) : '*unassigned*'),
    field('Priority', escaped(card.priority, 100)),
    field('Requester', escaped(card.requester, 300)),
    field('Department', escaped(card.department, 200)),
    field('Opened', `<t:${created}:f> (<t:${created}:R>)`),
  ];
  if (card.topic) fields.push(field('Topic', escaped(card.topic, 200)));
  if (card.tags.length > 0) fields.push(field('Tags', escaped(card.tags.join(', '), 400), false));
  const predictions = Object.entries(card.predictions ?? {});
  if (predictions.length > 0) fields.push(field('Predicted', escaped(predictions.map(([k, v]) => `${k} ${v}`).join(' · '), 400), false));
  const buttons = buttonsFor(card);
  return {
    content: '',
    embeds: [{
      title: escaped(`${displayNumber(card.number)} ${card.subject}`, LIMITS.title),
      color: STATUS_COLOURS[card.status] ?? 0x95a5a6,
      fields,
      timestamp: card.createdAt.toISOString(),
    }],
    components: buttons.length > 0 ? [{ type: ComponentType.ActionRow, components: buttons }] : [],
    allowed_mentions: NO_MENTIONS,
  };
}

/** Thread (or forum post) title: plain text, no markdown is rendered there. */
export function threadName(card: TicketCard): string {
  const name = `${displayNumber(card.number)} ${card.subject}`.replace(/\s+/g, ' ').trim();
  return truncate(name, LIMITS.threadName) || 'ticket';
}

// ---------------------------------------------------------------------------------------------
// Thread messages

/** Our Markdown → Discord markdown; the two mostly agree, so only what Discord lacks changes. */
export function markdownToDiscord(text: string): string {
  return text
    // Discord shows no inline images; a link keeps the target reachable.
    .replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, alt: string, url: string) => `[${alt || 'image'}](${url})`)
    // Discord knows #, ## and ### only.
    .replace(/^#{4,6}\s+(.+)$/gm, '**$1**');
}

/** Cuts at a line or word boundary and closes a code block left open by the cut. */
export function shorten(text: string, max: number): string {
  let cut = text.slice(0, max);
  const boundary = Math.max(cut.lastIndexOf('\n'), cut.lastIndexOf(' '));
  if (boundary > max * 0.8) cut = cut.slice(0, boundary);
  if ((cut.match(/```/g) ?? []).length % 2 === 1) cut = `${cut.slice(0, Math.max(0, max - 4))}\n\`\`\``;
  return cut;
}

export interface RenderedMessage {
  content: string;
  /** The full text as a file, when it does not fit into one Discord message. */
  overflow?: { filename: string; contentType: string; content: Buffer };
}

export const OVERFLOW_FILENAME = 'message.txt';

export function renderMessage(message: OutboundMessage): RenderedMessage {
  const kind = KIND_LABELS[message.kind];
  const author = escaped(message.authorName, 100);
  const via = viaOrigin(message.origin);
  const body = markdownToDiscord(message.text);
  const header = message.kind === 'event' ? `${kind.icon} **${author}**` : `${kind.icon} **${author}** (${kind.label}${via})`;
  const separator = message.kind === 'event' ? ' ' : '\n';
  const content = `${header}${separator}${body}`;
  if (content.length <= LIMITS.content) return { content };
  // Too long for one message: the start inline, everything in a text file people can open.
  const note = `\n-# … shortened here; the full text is in ${OVERFLOW_FILENAME}`;
  const room = LIMITS.content - header.length - separator.length - note.length;
  const full = `${message.authorName} (${kind.label}${via})\n\n${message.text}\n`;
  return {
    content: `${header}${separator}${shorten(body, room)}${note}`,
    overflow: { filename: OVERFLOW_FILENAME, contentType: 'text/plain; charset=utf-8', content: Buffer.from(full, 'utf8') },
  };
}

/** Splits an answer into messages of at most `max` characters, at line boundaries where possible. */
export function splitText(text: string, max: number = LIMITS.content): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max * 0.5) cut = rest.lastIndexOf(' ', max);
    if (cut < max * 0.5) cut = max;
    let part = rest.slice(0, cut);
    rest = rest.slice(cut).replace(/^\n/, '');
    // A code block cut in two is closed here and reopened in the next part.
    if ((part.match(/```/g) ?? []).length % 2 === 1) {
      part = `${part.slice(0, max - 4)}\n\`\`\``;
      rest = `\`\`\`\n${rest}`;
    }
    parts.push(part);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest || '(no answer)');
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Inbound: Discord message text → our Markdown

export interface MentionedUser {
  id: string;
  username: string;
  global_name?: string | null;
  member?: { nick?: string | null };
}

/** Mentions become readable names, custom emoji `:name:`, timestamps ISO dates. */
export function discordTextToMarkdown(text: string, mentions: readonly MentionedUser[] = []): string {
  const names = new Map(mentions.map((u) => [u.id, u.member?.nick || u.global_name || u.username]));
  return text
    .replace(/<@!?(\d+)>/g, (_m, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<@&(\d+)>/g, '@role')
    .replace(/<a?:([A-Za-z0-9_~]+):\d+>/g, ':$1:')
    .replace(/<t:(-?\d+)(?::[tTdDfFR])?>/g, (_m, s: string) => new Date(Number(s) * 1000).toISOString());
}

/** Reaction emoji → the Unicode the core maps: skin tones dropped, ⌛ as ⏳, custom emoji `:name:`. */
export function reactionEmoji(emoji: { id?: string | null; name?: string | null }): string | null {
  if (!emoji.name) return null;
  if (emoji.id) return `:${emoji.name}:`;
  const base = Array.from(emoji.name).filter((ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return cp < 0x1f3fb || cp > 0x1f3ff;
  }).join('');
  return base === '⌛' ? '⏳' : base;
}
