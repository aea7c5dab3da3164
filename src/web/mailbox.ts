// The captured mailbox (SMTP_URL unset): the mail sink keeps every outgoing mail in
// `captured_mails` instead of sending it; the console shows the newest ones with the headers
// that thread them, as plain text.
import { desc } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { html, type SafeHtml } from '../../adapters/web/html.js';
import { formatDate } from '../../adapters/web/format.js';
import type { Queryable } from '../db/create-db.js';
import { capturedMails } from '../db/schema.js';
import { frame, type ConsoleFrame } from './console-pages.js';
import { alertBox } from './layout.js';

export interface CapturedMail {
  id: number;
  at: Date;
  from: string;
  to: string[];
  subject: string;
  headers: { name: string; value: string }[];
  text: string;
}

const SHOWN_HEADERS = ['message-id', 'in-reply-to', 'references', 'auto-submitted'];

export async function recentCapturedMails(q: Queryable, limit = 50): Promise<CapturedMail[]> {
  const rows = await q.select().from(capturedMails).orderBy(desc(capturedMails.id)).limit(limit);
  return Promise.all(
    rows.map(async (r) => {
      const parsed = await simpleParser(r.raw, { skipHtmlToText: true, skipImageLinks: true });
      const headers = SHOWN_HEADERS.flatMap((name) => {
        const v = parsed.headers.get(name);
        if (!v) return [];
        return [{ name, value: Array.isArray(v) ? v.join(' ') : String(v) }];
      });
      return { id: r.id, at: r.createdAt, from: r.envelopeFrom, to: r.envelopeTo, subject: r.subject, headers, text: parsed.text ?? '' };
    }),
  );
}

export function mailboxPage(f: ConsoleFrame, mails: CapturedMail[] | null): SafeHtml {
  const { t, lang } = f.session.viewer;
  const body =
    mails === null
      ? alertBox(t('mailbox.unavailable'))
      : mails.length === 0
        ? html`<p>${t('mailbox.empty')}</p>`
        : mails.map(
            (m) => html`<article class="mail msg" id="mail-${m.id}">
              <header><strong>${m.subject}</strong> <time datetime="${m.at.toISOString()}">${formatDate(m.at, lang)}</time></header>
              <dl class="facts"><div><dt>From</dt><dd>${m.from}</dd></div><div><dt>To</dt><dd>${m.to.join(', ')}</dd></div>
              ${m.headers.map((h) => html`<div><dt>${h.name}</dt><dd>${h.value}</dd></div>`)}</dl>
              <pre>${m.text}</pre>
            </article>`,
          );
  return frame(f, t('mailbox.title'), '/console/mailbox', html`<h1>${t('mailbox.title')}</h1><p>${t('mailbox.intro')}</p>${body}`);
}
