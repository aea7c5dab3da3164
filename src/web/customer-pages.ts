// The customer pages: contact form, status request, a ticket seen through its link. Plain
// server-rendered HTML that works without JavaScript; the script only hides the fields of
// topics that were not chosen.
import { html, type SafeHtml } from '../../adapters/web/html.js';
import { formatDate, formatSize, statusBadge } from '../../adapters/web/format.js';
import type { Lang, Translate } from '../../adapters/web/i18n.js';
import type { Config } from '../config/schema.js';
import { fieldName, type ContactInput } from './contact.js';
import { alertBox, checkboxField, errorSummary, field, fileField, formStart, page, selectField, type FieldErrors } from './layout.js';
import type { PublicTicket } from './public-ticket.js';

export interface PublicView {
  lang: Lang;
  t: Translate;
  csrf: string;
  languageLinks: boolean;
}

const shell = (v: PublicView, title: string, path: string) => ({ lang: v.lang, t: v.t, title, area: 'public' as const, languageLinks: v.languageLinks, path });

export interface ContactModel {
  config: Config;
  departments: { id: string; name: string }[];
  maxMb: number;
  values?: Partial<ContactInput> & { raw?: Record<string, string> };
  errors?: FieldErrors;
  notice?: string;
}

function topicFieldsets(m: ContactModel, v: PublicView): SafeHtml[] {
  const errors = m.errors ?? {};
  const raw = m.values?.raw ?? {};
  return m.config.helpTopics
    .filter((topic) => topic.fields.length > 0)
    .map((topic) => {
      const controls = topic.fields.map((f) => {
        const name = fieldName(topic.id, f.id);
        const value = raw[name] ?? '';
        if (f.type === 'checkbox') return checkboxField({ name, label: f.label, checked: value === 'yes', error: errors[name] });
        if (f.type === 'select') {
          return selectField({ name, label: f.label, value, error: errors[name], placeholder: v.t('contact.topicNone'), options: f.options.map((o) => ({ value: o, label: o })), t: v.t });
        }
        return field({ name, label: f.label, value, type: f.type === 'date' ? 'date' : 'text', error: errors[name], t: v.t });
      });
      return html`<fieldset class="topic-fields" data-topic="${topic.id}">
        <legend>${v.t('contact.fieldsFor', { topic: topic.name })}</legend>
        <p class="hint no-js-only">${v.t('contact.fieldsHint')}</p>
        ${controls}
      </fieldset>`;
    });
}

export function contactPage(v: PublicView, m: ContactModel): SafeHtml {
  const { t } = v;
  const errors = m.errors ?? {};
  const values = m.values ?? {};
  const topics = m.config.helpTopics;
  const main = html`<h1>${t('contact.title')}</h1>
    <p>${t('contact.intro')}</p>
    ${m.notice ? alertBox(m.notice) : ''}
    ${errorSummary(t, errors)}
    ${formStart('/contact', v.csrf, { multipart: true, id: 'contact-form' })}
      ${field({ name: 'name', label: t('contact.name'), value: values.name, required: true, error: errors.name, autocomplete: 'name', t })}
      ${field({ name: 'email', label: t('contact.email'), value: values.email, type: 'email', required: true, error: errors.email, autocomplete: 'email', t })}
      ${topics.length > 0 ? selectField({ name: 'topic', label: t('contact.topic'), value: values.topic, required: true, error: errors.topic, placeholder: t('contact.topicNone'), options: topics.map((x) => ({ value: x.id, label: x.name })), t }) : ''}
      ${m.departments.length > 1 ? selectField({ name: 'department', label: t('contact.department'), value: values.department, required: true, error: errors.department, placeholder: t('contact.topicNone'), options: m.departments.map((d) => ({ value: d.id, label: d.name })), t }) : ''}
      ${field({ name: 'subject', label: t('contact.subject'), value: values.subject, required: true, error: errors.subject, t })}
      ${field({ name: 'message', label: t('contact.message'), value: values.message, required: true, error: errors.message, multiline: true, t })}
      ${topicFieldsets(m, v)}
      ${fileField({ name: 'files', label: t('contact.attachments'), hint: t('contact.attachmentsHint', { mb: m.maxMb }), error: errors.files })}
      <div class="hp" aria-hidden="true"><label for="f-website">${t('contact.website')}</label><input id="f-website" name="website" tabindex="-1" autocomplete="off"></div>
      <button type="submit" class="btn btn-primary">${t('contact.submit')}</button>
    </form>`;
  return page(shell(v, t('contact.title'), '/contact'), main);
}

export function thanksPage(v: PublicView, number: string, email: string): SafeHtml {
  const { t } = v;
  return page(
    shell(v, t('contact.thanksTitle'), '/contact'),
    html`<h1>${t('contact.thanksTitle')}</h1>
      ${alertBox(t('contact.thanks', { number, email }), 'ok')}
      <p>${t('contact.thanksStatus')} <a href="/status">${t('common.status')}</a></p>`,
  );
}

export function statusPage(v: PublicView, m: { number?: string; email?: string; errors?: FieldErrors; sent?: string; notice?: string }): SafeHtml {
  const { t } = v;
  const errors = m.errors ?? {};
  const main = html`<h1>${t('status.title')}</h1>
    <p>${t('status.intro')}</p>
    ${m.sent ? alertBox(m.sent, 'ok') : ''}
    ${m.notice ? alertBox(m.notice) : ''}
    ${errorSummary(t, errors)}
    ${formStart('/status', v.csrf, { id: 'status-form' })}
      ${field({ name: 'number', label: t('status.number'), value: m.number, required: true, hint: t('status.numberHint'), error: errors.number, inputmode: 'numeric', t })}
      ${field({ name: 'email', label: t('status.email'), value: m.email, type: 'email', required: true, error: errors.email, autocomplete: 'email', t })}
      <button type="submit" class="btn btn-primary">${t('status.submit')}</button>
    </form>`;
  return page(shell(v, t('status.title'), '/status'), main);
}

export function expiredPage(v: PublicView): SafeHtml {
  const { t } = v;
  return page(shell(v, t('status.title'), '/status'), html`<h1>${t('status.title')}</h1>${alertBox(t('ticket.expired'))}<p><a href="/status">${t('status.title')}</a></p>`);
}

export function ticketPage(v: PublicView, view: PublicTicket, m: { token: string; viewerEmail: string; error?: string; sent?: boolean; maxMb: number }): SafeHtml {
  const { t } = v;
  const base = `/t/${m.token}`;
  const history = view.messages.length
    ? view.messages.map((msg) => {
        const mine = msg.kind === 'customer' && msg.contactEmail === m.viewerEmail;
        const who = msg.kind === 'reply' ? t('ticket.team') : mine ? t('ticket.you') : (msg.contactName ?? msg.contactEmail ?? '');
        return html`<article class="msg msg-${msg.kind}" id="m-${msg.id}">
          <header><strong class="author">${who}</strong> <time datetime="${msg.createdAt.toISOString()}">${formatDate(msg.createdAt, v.lang)}</time></header>
          <div class="body">${msg.text}</div>
          ${msg.files.length ? html`<ul class="files">${msg.files.map((f) => html`<li><a href="${base}/files/${f.id}" download>${f.filename}</a> (${formatSize(f.size)})</li>`)}</ul>` : ''}
        </article>`;
      })
    : html`<p>${t('ticket.noMessages')}</p>`;
  const closed = view.ticket.state !== 'open';
  const main = html`<h1>${t('ticket.title', { number: view.ticket.number })}</h1>
    <p class="subject-line">${view.ticket.subject}</p>
    <p>${t('ticket.status')}: ${statusBadge(view.ticket.status, t)}</p>
    ${m.sent ? alertBox(t('ticket.replySent'), 'ok') : ''}
    <section aria-labelledby="history-title"><h2 id="history-title">${t('ticket.history')}</h2>${history}</section>
    <section aria-labelledby="reply-title"><h2 id="reply-title">${t('ticket.reply')}</h2>
      ${closed ? html`<p class="hint">${t('ticket.closedHint')}</p>` : ''}
      ${m.error ? errorSummary(t, { text: m.error }) : ''}
      ${formStart(base, v.csrf, { multipart: true, id: 'reply-form' })}
        ${field({ name: 'text', label: t('ticket.replyLabel'), required: true, multiline: true, error: m.error, t })}
        ${fileField({ name: 'files', label: t('ticket.files'), hint: t('contact.attachmentsHint', { mb: m.maxMb }) })}
        <button type="submit" class="btn btn-primary">${t('ticket.replySubmit')}</button>
      </form>
    </section>`;
  return page(shell(v, t('ticket.title', { number: view.ticket.number }), base), main);
}

export function simplePage(v: PublicView, title: string, text: string): SafeHtml {
  return page(shell(v, title, '/contact'), html`<h1>${title}</h1>${alertBox(text)}`);
}
