// Rendering for the console: the ticket card and history entries as HTML fragments. The same
// functions render the page (from the database) and the live updates (from the chat port), so
// a message looks the same whether it was there on load or arrived later. Everything a person
// wrote is escaped by the `html` template; text is shown as text (no Markdown, no links).
import type { TicketCard } from '../chat-port.js';
import { html, raw, type SafeHtml } from './html.js';
import type { Lang, Translate } from './i18n.js';

/** What one viewer needs to render: their language and the CSRF token for forms. */
export interface Viewer {
  userId: string;
  lang: Lang;
  t: Translate;
  csrf: string;
}

export type RenderKind = 'customer' | 'reply' | 'note' | 'event' | 'message';

export interface RenderableFile {
  name: string;
  href: string;
  size?: number;
}

export interface RenderableMessage {
  /** The id the page knows the entry by (the web message id, or `db-<id>` when it has none). */
  id: string;
  kind: RenderKind;
  authorName: string;
  text: string;
  origin?: string;
  at?: Date;
  files: RenderableFile[];
  /** A public reply still in its undo window: until when. */
  pendingUntil?: Date;
  cancelled?: boolean;
  flagged?: boolean;
  /** Where its edit/undo forms post, when the viewer may still change it. */
  actionsBase?: string;
}

export function formatDate(d: Date, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export const displayNumber = (number: string): string => (/^\d/.test(number) ? `#${number}` : number);

/** Card buttons: the verb a form posts → the command line the core runs. */
export const CARD_BUTTONS: Record<string, string> = {
  claim: 'claim',
  release: 'release',
  waiting: 'status waiting',
  close: 'close',
  reopen: 'reopen',
};

function buttonsFor(card: TicketCard): string[] {
  if (card.state === 'open') return ['claim', 'release', 'waiting', 'close'];
  if (card.state === 'closed') return ['reopen'];
  return [];
}

export const threadBase = (channelId: string, threadId: string): string =>
  `/console/threads/${encodeURIComponent(channelId)}/${encodeURIComponent(threadId)}`;

export function hidden(name: string, value: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

export function statusBadge(status: string, t: Translate): SafeHtml {
  const key = `st.${status}` as Parameters<Translate>[0];
  const label = ['open', 'in_progress', 'waiting', 'closed', 'spam', 'archived', 'deleted'].includes(status) ? t(key) : status;
  return html`<span class="badge st-${status.replace(/[^a-z_]/g, '')}" data-status="${status}">${label}</span>`;
}

export function renderCard(card: TicketCard, thread: { channelId: string; threadId: string; cardMessageId: string } | null, viewer: Viewer): SafeHtml {
  const { t } = viewer;
  const back = `/console/t/${encodeURIComponent(card.number)}`;
  const verbs = buttonsFor(card);
  const row = (label: string, value: SafeHtml | string) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  const actions =
    thread && verbs.length > 0
      ? html`<form class="card-actions" data-live method="post" action="${threadBase(thread.channelId, thread.threadId)}/button" aria-label="${t('card.actions')}">
          ${hidden('_csrf', viewer.csrf)}${hidden('back', back)}
          ${verbs.map((v) => html`<button type="submit" name="verb" value="${v}" class="btn btn-${v}">${t(`btn.${v}` as Parameters<Translate>[0])}</button>`)}
        </form>`
      : '';
  return html`<section class="card" data-card="${thread ? `${thread.channelId}/${thread.threadId}` : ''}" data-id="${thread?.cardMessageId ?? ''}" aria-labelledby="card-title">
    <h1 id="card-title"><span class="num">${displayNumber(card.number)}</span> <span class="subject">${card.subject}</span></h1>
    <dl class="facts">
      ${row(t('card.requester'), card.requester)}
      ${row(t('card.status'), html`${statusBadge(card.status, t)} <code class="status-code">${card.status}</code>`)}
      ${row(t('card.assignee'), card.assignee ?? t('card.nobody'))}
      ${row(t('card.priority'), card.priority)}
      ${row(t('card.department'), card.department)}
      ${card.topic ? row(t('card.topic'), card.topic) : ''}
      ${row(t('card.created'), html`<time datetime="${card.createdAt.toISOString()}">${formatDate(card.createdAt, viewer.lang)}</time>`)}
      ${card.tags.length > 0 ? row(t('card.tags'), card.tags.join(', ')) : ''}
    </dl>
    ${actions}
  </section>`;
}

function kindLabel(kind: RenderKind, t: Translate): string {
  return t(`kind.${kind}` as Parameters<Translate>[0]);
}

export function renderMessage(m: RenderableMessage, viewer: Viewer): SafeHtml {
  const { t } = viewer;
  const pending = m.pendingUntil && !m.cancelled ? m.pendingUntil : undefined;
  const files =
    m.files.length > 0
      ? html`<ul class="files" aria-label="${t('msg.attachments')}">${m.files.map(
          (f) => html`<li><a href="${f.href}" download>${f.name}</a>${f.size !== undefined ? ` (${formatSize(f.size)})` : ''}</li>`,
        )}</ul>`
      : '';
  const actions =
    m.actionsBase && !m.cancelled && (m.kind === 'note' || pending)
      ? html`<div class="msg-actions">
          <details><summary>${t('msg.edit')}</summary>
            <form data-live method="post" action="${m.actionsBase}/edit">${hidden('_csrf', viewer.csrf)}
              <label class="sr-only" for="edit-${m.id}">${t('msg.edit')}</label>
              <textarea id="edit-${m.id}" name="text" rows="3" required>${m.text}</textarea>
              <button type="submit" class="btn">${t('msg.save')}</button>
            </form>
          </details>
          <form data-live method="post" action="${m.actionsBase}/delete">${hidden('_csrf', viewer.csrf)}<button type="submit" class="btn btn-undo">${t('msg.undo')}</button></form>
        </div>`
      : '';
  return html`<article class="msg msg-${m.kind}${m.cancelled ? ' msg-cancelled' : ''}${m.flagged ? ' msg-flagged' : ''}" id="m-${m.id}" data-id="${m.id}"${raw(pending ? ` data-pending-until="${pending.toISOString()}"` : '')}>
    <header>
      <span class="kind">${kindLabel(m.kind, t)}</span>
      <strong class="author">${m.authorName}</strong>
      ${m.origin && m.origin !== 'web' ? html`<span class="origin">${t('msg.via', { origin: m.origin })}</span>` : ''}
      ${m.at ? html`<time datetime="${m.at.toISOString()}">${formatDate(m.at, viewer.lang)}</time>` : ''}
    </header>
    ${m.flagged ? html`<p class="flag">${t('msg.flagged')}</p>` : ''}
    <div class="body">${m.text}</div>
    ${files}
    ${pending ? html`<p class="pending">${t('msg.pending')}</p>` : ''}
    ${m.cancelled ? html`<p class="pending">${t('msg.cancelled')}</p>` : ''}
    ${actions}
  </article>`;
}

export function renderNotice(text: string, ok: boolean): SafeHtml {
  return html`<div class="notice ${ok ? 'notice-ok' : 'notice-error'}" role="status"><pre>${text}</pre></div>`;
}
