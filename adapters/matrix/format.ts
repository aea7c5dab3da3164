// Rendering for Matrix: our Markdown and ticket cards → `org.matrix.custom.html` plus the plain
// `body` fallback. The HTML is sanitised by construction: `marked` parses, this renderer writes
// only tags from the Matrix spec's allowed list, escapes every piece of text (raw HTML included)
// and links only http(s)/mailto targets. Nothing a customer writes can become markup, a pill or
// a ping; pings are additionally ruled out by an empty `m.mentions` on every event we send.
import { Marked, type RendererObject, type Tokens } from 'marked';
import type { OutboundMessage, TicketCard } from '../chat-port.js';
import { KIND_LABELS, viaOrigin } from '../message-labels.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Servers without intentional mentions (before Matrix 1.7) notify the whole room for "@room" in
 * the body; a word joiner keeps the text readable and the rule from matching.
 */
export function defuse(text: string): string {
  return text.replace(/@room\b/gi, (m) => `@\u2060${m.slice(1)}`);
}

function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const e = (text: string): string => defuse(escapeHtml(text));

const renderer: RendererObject<string, string> = {
  space: () => '',
  def: () => '',
  hr: () => '<hr>',
  // Raw HTML is shown as the text it is (a block keeps its lines).
  html: ({ text, block }) => (block ? `<p>${e(text.trim()).replace(/\n/g, '<br>')}</p>` : e(text)),
  code: ({ text }) => `<pre><code>${e(text)}</code></pre>`,
  codespan: ({ text }) => `<code>${e(text)}</code>`,
  br: () => '<br>',
  checkbox: ({ checked }) => (checked ? '☑ ' : '☐ '),
  text(token) {
    return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : e(token.text);
  },
  paragraph({ tokens }) {
    return `<p>${this.parser.parseInline(tokens)}</p>`;
  },
  heading({ tokens }) {
    return `<p><strong>${this.parser.parseInline(tokens)}</strong></p>`;
  },
  strong({ tokens }) {
    return `<strong>${this.parser.parseInline(tokens)}</strong>`;
  },
  em({ tokens }) {
    return `<em>${this.parser.parseInline(tokens)}</em>`;
  },
  del({ tokens }) {
    return `<del>${this.parser.parseInline(tokens)}</del>`;
  },
  link({ href, tokens }) {
    const label = this.parser.parseInline(tokens);
    const url = safeHref(href);
    // matrix.to links render as pills in Element; a mirrored text must not look like a mention.
    if (!url || url.startsWith('https://matrix.to/')) return label || e(href);
    return `<a href="${escapeHtml(url)}">${label || e(url)}</a>`;
  },
  image({ href, text }) {
    // Never embed: Matrix images must be mxc:// and remote images would leak readers' addresses.
    const url = safeHref(href);
    return url ? `<a href="${escapeHtml(url)}">${e(text || url)}</a>` : e(text);
  },
  blockquote({ tokens }) {
    return `<blockquote>${this.parser.parse(tokens)}</blockquote>`;
  },
  list(token: Tokens.List) {
    const tag = token.ordered ? 'ol' : 'ul';
    const start = token.ordered && typeof token.start === 'number' && token.start !== 1 ? ` start="${token.start}"` : '';
    return `<${tag}${start}>${token.items.map((item) => `<li>${this.parser.parse(item.tokens)}</li>`).join('')}</${tag}>`;
  },
  table(token: Tokens.Table) {
    const cells = (row: Tokens.TableCell[], tag: 'th' | 'td') => row.map((c) => `<${tag}>${this.parser.parseInline(c.tokens)}</${tag}>`).join('');
    const body = token.rows.map((row) => `<tr>${cells(row, 'td')}</tr>`).join('');
    return `<table><thead><tr>${cells(token.header, 'th')}</tr></thead><tbody>${body}</tbody></table>`;
  },
};

const marked = new Marked<string, string>({ gfm: true, breaks: true, async: false, renderer });

/** Markdown parsers have inputs that cost superlinear time; longer input is cut first. */
export const MAX_MARKDOWN_INPUT = 40_000;

export function markdownToHtml(markdown: string): string {
  const input = markdown.length > MAX_MARKDOWN_INPUT ? markdown.slice(0, MAX_MARKDOWN_INPUT) : markdown;
  try {
    return marked.parse(input, { async: false }).trim();
  } catch {
    // Thousands of nested `>` overflow marked's recursion: show such text as escaped text.
    return e(input).replace(/\n/g, '<br>');
  }
}

/** The `content` of a formatted message: plain body, sanitised HTML, and "mentions nobody". */
// A type alias (not an interface) so it is assignable to the Json records events are made of.
export type FormattedContent = {
  msgtype: 'm.text' | 'm.notice';
  body: string;
  format: 'org.matrix.custom.html';
  formatted_body: string;
  'm.mentions': { user_ids?: string[] };
};

function formatted(msgtype: FormattedContent['msgtype'], body: string, html: string, mentions: string[] = []): FormattedContent {
  return { msgtype, body: defuse(body), format: 'org.matrix.custom.html', formatted_body: html, 'm.mentions': mentions.length > 0 ? { user_ids: mentions } : {} };
}

// A Matrix event may be 65,536 bytes of JSON; keep well below with room for relations.
const MAX_CONTENT_BYTES = 56_000;
const SHORTENED = '… (shortened; the full text is in the ticket)';

/** Renders `markdown` with `wrap`, halving the text until the event fits. */
function fitting(markdown: string, wrap: (md: string) => FormattedContent): FormattedContent {
  let text = markdown;
  for (let round = 0; round < 12; round += 1) {
    const content = wrap(text);
    if (Buffer.byteLength(JSON.stringify(content)) <= MAX_CONTENT_BYTES) return content;
    const cut = text.slice(0, Math.floor(text.length / 2));
    const boundary = Math.max(cut.lastIndexOf('\n'), cut.lastIndexOf(' '));
    text = `${boundary > cut.length * 0.8 ? cut.slice(0, boundary) : cut}\n\n${SHORTENED}`;
  }
  return wrap(SHORTENED);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Ticket card

/** Card "buttons": Matrix has none, so the card carries these as reactions the bot seeds. */
export const CARD_BUTTONS = [
  { key: 'Claim', command: 'claim', states: ['open'] },
  { key: 'Release', command: 'release', states: ['open'] },
  { key: 'Waiting', command: 'status waiting', states: ['open'] },
  { key: 'Close', command: 'close', states: ['open'] },
  { key: 'Reopen', command: 'reopen', states: ['closed'] },
] as const;

export function buttonsFor(card: TicketCard): string[] {
  return CARD_BUTTONS.filter((b) => (b.states as readonly string[]).includes(card.state)).map((b) => b.key);
}

export function commandForButton(key: string): string | undefined {
  return CARD_BUTTONS.find((b) => b.key === key)?.command;
}

/** Marks our cards, so a card is recognised after a restart without any local state. */
export const CARD_MARKER = 'org.threaddesk.card';

function displayNumber(number: string): string {
  return /^\d/.test(number) ? `#${number}` : number;
}

function when(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function renderCard(card: TicketCard, withButtons: boolean): FormattedContent & { [CARD_MARKER]: { ticket_id: number; number: string } } {
  const t = (s: string, max = 200) => truncate(s, max);
  const fields: Array<[string, string | null]> = [
    ['Status', card.status], ['Assignee', card.assignee], ['Priority', card.priority],
    ['Requester', card.requester], ['Department', card.department], ['Opened', when(card.createdAt)],
  ];
  if (card.topic) fields.push(['Topic', card.topic]);
  const lines = [fields.slice(0, 3), fields.slice(3)];
  const extras: string[] = [];
  if (card.tags.length > 0) extras.push(`Tags: ${card.tags.map((tag) => t(tag, 50)).join(', ')}`);
  const predictions = Object.entries(card.predictions ?? {});
  if (predictions.length > 0) extras.push(`Predicted: ${predictions.map(([k, v]) => `${t(k, 40)} ${t(v, 60)}`).join(' · ')}`);
  const buttons = withButtons ? buttonsFor(card) : [];
  const hint = `Reply in this thread; !ticket help lists the commands.${buttons.length > 0 ? ` React with ${buttons.join(', ')} to act.` : ''}`;

  const plainField = ([name, value]: [string, string | null]) => `${name}: ${value === null ? 'unassigned' : t(value)}`;
  const htmlField = ([name, value]: [string, string | null]) => `<strong>${name}:</strong> ${value === null ? '<em>unassigned</em>' : e(t(value))}`;
  const title = `${displayNumber(card.number)} — ${t(card.subject, 250)}`;
  const body = [title, ...lines.map((l) => l.map(plainField).join(' · ')), ...extras, hint].join('\n');
  const html = [
    `<p><strong>${e(displayNumber(card.number))}</strong> — ${e(t(card.subject, 250))}</p>`,
    `<p>${[...lines.map((l) => l.map(htmlField).join(' · ')), ...extras.map(e)].join('<br>')}</p>`,
    `<p><em>${e(hint)}</em></p>`,
  ].join('');
  return { ...formatted('m.text', body, html), [CARD_MARKER]: { ticket_id: card.ticketId, number: card.number } };
}

// ---------------------------------------------------------------------------------------------
// Thread messages

export function renderMessage(message: OutboundMessage): FormattedContent {
  const kind = KIND_LABELS[message.kind];
  const author = truncate(message.authorName, 100);
  const via = viaOrigin(message.origin);
  // Events are compact one-liners (and notices, which bots and clients treat as automated).
  if (message.kind === 'event') {
    return fitting(message.text, (md) => formatted('m.notice', `${kind.icon} ${author} ${md}`, `${kind.icon} <strong>${e(author)}</strong> ${inline(markdownToHtml(md))}`));
  }
  return fitting(message.text, (md) =>
    formatted('m.text', `${kind.icon} ${author} (${kind.label}${via})\n${md}`, `<p>${kind.icon} <strong>${e(author)}</strong> <em>(${kind.label}${via})</em></p>${markdownToHtml(md)}`),
  );
}

/** A one-paragraph rendering without its <p> wrapper, for one-liners. */
function inline(html: string): string {
  const m = /^<p>([\s\S]*)<\/p>$/.exec(html);
  return m && !m[1]!.includes('<p>') ? m[1]! : html;
}

/** A notice (command answer or private message); `mention` is notified, nobody else. */
export function renderNotice(markdown: string, mention?: string): FormattedContent {
  return fitting(markdown, (md) => formatted('m.notice', md, markdownToHtml(md), mention ? [mention] : []));
}

/** The caption event for attachments that could not be uploaded, so nothing vanishes silently. */
export function renderUploadFailure(filenames: string[]): FormattedContent {
  const names = filenames.map((n) => truncate(n, 100)).join(', ');
  return formatted('m.notice', `⚠️ Could not upload ${names} to Matrix; the files are in the ticket.`, `⚠️ Could not upload ${e(names)} to Matrix; the files are in the ticket.`);
}

// ---------------------------------------------------------------------------------------------
// Inbound

/**
 * The text a person wrote: `body` without the reply fallback that clients before Matrix 1.13 put
 * in front ("> <@user> quoted" lines and a blank line), when the event is a reply.
 */
export function inboundText(body: string, isReply: boolean): string {
  if (!isReply || !body.startsWith('> ')) return body.trim();
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i += 1;
  return lines.slice(i).join('\n').trim();
}
