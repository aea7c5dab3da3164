// The agent console: ticket lists (views, departments, search, a command box), the ticket page
// (card with buttons, the whole history, composer) and the admins' agents page.
import { html, type SafeHtml } from '../../adapters/web/html.js';
import { displayNumber, formatDate, hidden, renderCard, renderMessage, renderNotice, statusBadge, threadBase } from '../../adapters/web/format.js';
import type { Translate } from '../../adapters/web/i18n.js';
import type { TicketView } from '../tickets/ticket-repository.js';
import type { AgentRow } from './agent-store.js';
import type { ConsoleTicket } from './console-queries.js';
import { alertBox, page } from './layout.js';
import type { AgentSession } from './sessions.js';

export const VIEWS = ['unassigned', 'mine', 'waiting', 'open', 'all'] as const;
export type ConsoleView = (typeof VIEWS)[number];

export interface ConsoleFrame {
  session: AgentSession;
  languageLinks: boolean;
  mailCaptured: boolean;
  cursor: string;
  flash?: { text: string; ok: boolean } | null;
}

function nav(f: ConsoleFrame): SafeHtml {
  const { t, csrf } = f.session.viewer;
  return html`<nav aria-label="${t('console.title')}"><ul>
    <li><a href="/console">${t('console.back')}</a></li>
    ${f.session.agent.role === 'admin' ? html`<li><a href="/console/agents">${t('console.agents')}</a></li>` : ''}
    ${f.mailCaptured && f.session.agent.role === 'admin' ? html`<li><a href="/console/mailbox">${t('console.mailbox')}</a></li>` : ''}
    <li><span class="who">${f.session.agent.name}</span></li>
    <li><form method="post" action="/logout">${hidden('_csrf', csrf)}<button type="submit" class="btn">${t('login.logout')}</button></form></li>
  </ul></nav>`;
}

export function frame(f: ConsoleFrame, title: string, path: string, main: SafeHtml, data: Record<string, string> = {}): SafeHtml {
  const { t, lang } = f.session.viewer;
  const live = html`<p class="live" id="live-state" data-on="${t('console.live')}" data-off="${t('console.liveOff')}" aria-live="polite"></p>`;
  const flash = f.flash ? renderNotice(f.flash.text, f.flash.ok) : '';
  return page(
    { lang, t, title, area: 'console', languageLinks: f.languageLinks, path, nav: nav(f), bodyData: { cursor: f.cursor, ...data } },
    html`${live}<div id="answers" aria-live="polite">${flash}</div>${main}`,
  );
}

export function ticketTable(tickets: TicketView[], t: Translate, lang: 'de' | 'en'): SafeHtml {
  if (tickets.length === 0) return html`<p>${t('console.noTickets')}</p>`;
  return html`<table>
    <thead><tr><th scope="col">${t('console.col.number')}</th><th scope="col">${t('console.col.subject')}</th><th scope="col">${t('console.col.requester')}</th><th scope="col">${t('console.col.status')}</th><th scope="col">${t('console.col.assignee')}</th><th scope="col">${t('console.col.updated')}</th></tr></thead>
    <tbody>${tickets.map(
      (x) => html`<tr>
        <td><a href="/console/t/${encodeURIComponent(x.number)}">${displayNumber(x.number)}</a></td>
        <td><a href="/console/t/${encodeURIComponent(x.number)}">${x.subject}</a></td>
        <td>${x.requesterName ? `${x.requesterName} <${x.requester}>` : (x.requester ?? '—')}</td>
        <td>${statusBadge(x.status, t)}</td>
        <td>${x.assignee ?? '—'}</td>
        <td><time datetime="${x.updatedAt}">${formatDate(new Date(x.updatedAt), lang)}</time></td>
      </tr>`,
    )}</tbody></table>`;
}

export interface ListModel {
  view: ConsoleView;
  department: string;
  query: string;
  departments: { id: string; name: string }[];
  tickets: TicketView[];
  listUrl: string;
}

export function listPage(f: ConsoleFrame, m: ListModel): SafeHtml {
  const { t, lang, csrf } = f.session.viewer;
  const viewHref = (v: string) => `/console?view=${v}${m.department ? `&dept=${encodeURIComponent(m.department)}` : ''}`;
  const main = html`<h1>${t('console.title')}</h1>
    <ul class="views" aria-label="${t('console.views')}">${VIEWS.map(
      (v) => html`<li><a href="${viewHref(v)}"${v === m.view && !m.query ? html` aria-current="page"` : ''}>${t(`console.view.${v}`)}</a></li>`,
    )}</ul>
    <form class="filters" method="get" action="/console" role="search">
      <input type="hidden" name="view" value="${m.view}">
      <div class="field"><label for="f-dept">${t('console.department')}</label>
        <select id="f-dept" name="dept"><option value="">${t('console.allDepartments')}</option>${m.departments.map(
          (d) => html`<option value="${d.id}"${m.department === d.id ? html` selected` : ''}>${d.name}</option>`,
        )}</select></div>
      <div class="field"><label for="f-q">${t('console.searchLabel')}</label><input type="search" id="f-q" name="q" value="${m.query}"></div>
      <button type="submit" class="btn">${t('console.filter')}</button>
    </form>
    <div id="ticket-list">${ticketTable(m.tickets, t, lang)}</div>
    <form class="composer" data-live method="post" action="/console/command">${hidden('_csrf', csrf)}${hidden('back', m.listUrl.replace('&fragment=1', ''))}
      <div class="field"><label for="f-command">!ticket</label><p class="hint" id="h-command">new &lt;subject&gt; · list mine · show #… · help</p>
      <input type="text" id="f-command" name="text" aria-describedby="h-command" placeholder="help"></div>
      <button type="submit" class="btn">${t('composer.send')}</button>
    </form>`;
  return frame(f, t('console.title'), '/console', main, { list: m.listUrl });
}

export function consoleTicketPage(f: ConsoleFrame, ct: ConsoleTicket, undoSeconds: number, threadDefault: 'reply' | 'note'): SafeHtml {
  const { viewer } = f.session;
  const { t } = viewer;
  const key = ct.thread ? `${ct.thread.channelId}/${ct.thread.threadId}` : '';
  const composer = ct.thread
    ? html`<form class="composer" data-live method="post" action="${threadBase(ct.thread.channelId, ct.thread.threadId)}/messages" enctype="multipart/form-data">
        ${hidden('_csrf', viewer.csrf)}${hidden('back', `/console/t/${encodeURIComponent(ct.show.number)}`)}
        <div class="field"><label for="f-text">${t('composer.label')}</label>
          <p class="hint" id="h-text">${threadDefault === 'reply' ? t('composer.hint', { seconds: undoSeconds }) : t('composer.hintNote')}</p>
          <textarea id="f-text" name="text" rows="5" aria-describedby="h-text"></textarea></div>
        <div class="field"><label for="f-files">${t('composer.files')}</label><input type="file" id="f-files" name="files" multiple></div>
        <button type="submit" class="btn btn-primary">${t('composer.send')}</button>
      </form>`
    : alertBox(t('composer.noThread'));
  const hasSide = ct.fields.length > 0 || ct.show.collaborators.length > 0 || ct.show.links.length > 0;
  const side = hasSide
    ? html`<aside class="side" aria-label="${t('card.topic')}">
        ${ct.fields.length ? html`<h2>${ct.card.topic ?? t('card.topic')}</h2><dl>${ct.fields.map((x) => html`<dt>${x.label}</dt><dd>${x.value || '—'}</dd>`)}</dl>` : ''}
        ${ct.show.collaborators.length ? html`<h2>CC</h2><ul>${ct.show.collaborators.map((c) => html`<li>${c}</li>`)}</ul>` : ''}
        ${ct.show.links.length ? html`<h2>Links</h2><ul>${ct.show.links.map((l) => html`<li><a href="/console/t/${encodeURIComponent(l.number)}">${displayNumber(l.number)}</a> (${l.kind})</li>`)}</ul>` : ''}
      </aside>`
    : '';
  const main = html`<div class="${hasSide ? 'layout' : ''}"><div>
      ${renderCard(ct.card, ct.thread, viewer)}
      <section aria-labelledby="history-title"><h2 id="history-title" class="sr-only">${t('ticket.history')}</h2>
        <div id="history">${ct.messages.map((m) => renderMessage(m, viewer))}</div>
      </section>
      ${composer}
    </div>${side}</div>`;
  return frame(f, `${displayNumber(ct.show.number)} ${ct.show.subject}`, `/console/t/${encodeURIComponent(ct.show.number)}`, main, { thread: key });
}

export function agentsPage(f: ConsoleFrame, agents: AgentRow[]): SafeHtml {
  const { t, csrf } = f.session.viewer;
  const state = (a: AgentRow) => (a.lockedAt ? t('agents.locked') : a.active ? t('agents.active') : t('agents.inactive'));
  const main = html`<h1>${t('agents.title')}</h1>
    <table><thead><tr><th scope="col">${t('agents.name')}</th><th scope="col">Email</th><th scope="col">${t('agents.role')}</th><th scope="col">${t('agents.password')}</th><th scope="col">${t('agents.state')}</th><th scope="col"><span class="sr-only">${t('agents.invite')}</span></th></tr></thead>
    <tbody>${agents.map(
      (a) => html`<tr><td>${a.name}</td><td>${a.email}</td><td>${a.role}</td><td>${a.passwordHash ? t('agents.set') : t('agents.notSet')}</td><td>${state(a)}</td>
        <td>${a.active && !a.lockedAt ? html`<form method="post" action="/console/agents/invite">${hidden('_csrf', csrf)}${hidden('email', a.email)}<button type="submit" class="btn">${t('agents.invite')}</button></form>` : ''}</td></tr>`,
    )}</tbody></table>`;
  return frame(f, t('agents.title'), '/console/agents', main);
}

export function messagePage(f: ConsoleFrame, title: string, text: string, status: 'ok' | 'error' = 'error'): SafeHtml {
  return frame(f, title, '/console', html`<h1>${title}</h1>${alertBox(text, status)}`);
}
