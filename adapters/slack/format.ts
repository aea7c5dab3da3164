// Rendering both ways: our Markdown and ticket cards → Slack mrkdwn/Block Kit, and Slack message
// text → our Markdown. Anything that came from a user (subjects, names, bodies) is escaped so
// that `<!channel>`, `<@U…>` or `<script>` shows as text and can never ping or inject a link.
import type { types } from '@slack/bolt';
import { escapeMrkdwn, markdownToMrkdwn, MAX_MARKDOWN_INPUT } from './mrkdwn.js';
import type { OutboundMessage, TicketCard } from '../chat-port.js';
import { KIND_LABELS, viaOrigin, type MessageKind } from '../message-labels.js';

type KnownBlock = types.KnownBlock;
type Button = types.Button;
type MrkdwnElement = types.MrkdwnElement;

export { escapeMrkdwn, markdownToMrkdwn };

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------
// Ticket card

/** Card buttons: Slack action id → command line for the core. */
export const CARD_BUTTONS = [
  { actionId: 'ticket_claim', label: 'Claim', command: 'claim', style: 'primary' },
  { actionId: 'ticket_release', label: 'Release', command: 'release' },
  { actionId: 'ticket_waiting', label: 'Waiting', command: 'status waiting' },
  { actionId: 'ticket_close', label: 'Close', command: 'close', style: 'danger' },
  { actionId: 'ticket_reopen', label: 'Reopen', command: 'reopen' },
] as const;

export function commandForAction(actionId: string): string | undefined {
  return CARD_BUTTONS.find((b) => b.actionId === actionId)?.command;
}

function displayNumber(number: string): string {
  return /^\d/.test(number) ? `#${number}` : number;
}

function mrkdwn(text: string): MrkdwnElement {
  // verbatim: Slack must not auto-link names or turn a bare @channel/@here into a ping.
  return { type: 'mrkdwn', text, verbatim: true };
}

function buttonsFor(card: TicketCard): Button[] {
  const ids: string[] =
    card.state === 'open' ? ['ticket_claim', 'ticket_release', 'ticket_waiting', 'ticket_close'] : card.state === 'closed' ? ['ticket_reopen'] : [];
  return CARD_BUTTONS.filter((b) => ids.includes(b.actionId)).map((b) => ({
    type: 'button',
    action_id: b.actionId,
    text: { type: 'plain_text', text: b.label },
    value: String(card.ticketId),
    ...('style' in b ? { style: b.style } : {}),
  }));
}

/** The fallback line Slack shows in notifications and where blocks cannot be rendered. */
export function cardFallback(card: TicketCard): string {
  return escapeMrkdwn(`${displayNumber(card.number)} ${truncate(card.subject, 200)} — ${card.status}`);
}

export function renderCard(card: TicketCard): { text: string; blocks: KnownBlock[] } {
  const e = (s: string, max = 200) => escapeMrkdwn(truncate(s, max));
  const created = Math.floor(card.createdAt.getTime() / 1000);
  const fields: MrkdwnElement[] = [
    mrkdwn(`*Status*\n${e(card.status)}`),
    mrkdwn(`*Assignee*\n${card.assignee ? e(card.assignee) : '_unassigned_'}`),
    mrkdwn(`*Priority*\n${e(card.priority)}`),
    mrkdwn(`*Requester*\n${e(card.requester)}`),
    mrkdwn(`*Department*\n${e(card.department)}`),
    mrkdwn(`*Opened*\n<!date^${created}^{date_short_pretty} {time} ({ago})|${card.createdAt.toISOString()}>`),
  ];
  if (card.topic) fields.push(mrkdwn(`*Topic*\n${e(card.topic)}`));
  const extras: string[] = [];
  if (card.tags.length > 0) extras.push(`Tags: ${card.tags.map((t) => e(t, 50)).join(', ')}`);
  const predictions = Object.entries(card.predictions ?? {});
  if (predictions.length > 0) extras.push(`Predicted: ${predictions.map(([k, v]) => `${e(k, 40)} ${e(v, 60)}`).join(' · ')}`);

  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*${escapeMrkdwn(displayNumber(card.number))}*  ${e(card.subject, 250)}`), fields },
  ];
  if (extras.length > 0) blocks.push({ type: 'context', elements: [mrkdwn(truncate(extras.join('\n'), 2000))] });
  const buttons = buttonsFor(card);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'ticket_card_actions', elements: buttons });
  return { text: cardFallback(card), blocks };
}

// ---------------------------------------------------------------------------------------------
// Thread messages

/** Slack's own shortcodes for the kind icons; the words are every platform's. */
const SLACK_ICONS: Record<MessageKind, string> = {
  customer: ':incoming_envelope:',
  reply: ':outbox_tray:',
  note: ':lock:',
  event: ':information_source:',
};
const KIND = Object.fromEntries(Object.entries(KIND_LABELS).map(([k, v]) => [k, { ...v, icon: SLACK_ICONS[k as MessageKind] }])) as typeof KIND_LABELS;

/** Slack cuts `text` at 40,000 characters; leave room for the header and the note. */
const MAX_TEXT = 39_000;

/** Cuts at a line or word boundary so no entity or link token is split in half. */
function shorten(text: string, max: number): string {
  const cut = text.slice(0, max);
  const boundary = Math.max(cut.lastIndexOf('\n'), cut.lastIndexOf(' '));
  return boundary > max * 0.8 ? cut.slice(0, boundary) : cut.replace(/&[a-z]*$|<[^>]*$/, '');
}

export function renderMessage(message: OutboundMessage): string {
  const kind = KIND[message.kind];
  const author = escapeMrkdwn(truncate(message.authorName, 100));
  const via = viaOrigin(message.origin);
  const body = markdownToMrkdwn(message.text);
  // Events are compact one-liners; the rest get a header that says who wrote what, and where.
  const text = message.kind === 'event' ? `${kind.icon} *${author}* ${body}` : `${kind.icon} *${author}* (${kind.label}${via})\n${body}`;
  if (text.length <= MAX_TEXT && message.text.length <= MAX_MARKDOWN_INPUT) return text;
  return `${shorten(text, MAX_TEXT)}\n_… (shortened; the full text is in the ticket)_`;
}

// ---------------------------------------------------------------------------------------------
// Inbound: Slack message text → our Markdown

function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function convertToken(inner: string): string {
  const [target = '', label] = inner.split('|', 2);
  if (target.startsWith('@')) return label ? `@${label}` : target;
  if (target.startsWith('#')) return label ? `#${label}` : target;
  if (target.startsWith('!')) {
    if (label) return label;
    const special = target.slice(1).split('^')[0];
    return `@${special}`;
  }
  if (target.startsWith('mailto:')) return label ?? target.slice('mailto:'.length);
  return label && label !== target ? `[${label}](${target})` : target;
}

function convertPlain(text: string): string {
  return decodeEntities(
    text
      .replace(/<([^<>]+)>/g, (_m, inner: string) => convertToken(inner))
      // Slack's *bold* and ~strike~ are Markdown's **bold** and ~~strike~~.
      .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,!?:;])/g, '$1**$2**')
      .replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,!?:;])/g, '$1~~$2~~'),
  );
}

/** Slack mrkdwn as typed in the Slack client → our Markdown; code spans and blocks kept as-is. */
export function slackTextToMarkdown(text: string): string {
  return text
    .split(/(```[\s\S]*?```|`[^`\n]+`)/)
    .map((part, i) => (i % 2 === 1 ? decodeEntities(part) : convertPlain(part)))
    .join('');
}
