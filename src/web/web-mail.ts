// The mails the web pages cause: the contact form's acknowledgement, status links, login codes
// and invites. They are rendered here (in the visitor's language) and written to the outbox as
// `mail.auto` rows — the same kind and payload shape the mail bridge uses for its automatic
// mails — so the mail sink sends them (with Auto-Submitted) or captures them locally.
import type { Queryable } from '../db/create-db.js';
import { enqueue } from '../outbox/enqueue.js';
import { translator, type Lang } from '../../adapters/web/i18n.js';

export type WebMailPurpose = 'acknowledgement' | 'status_link' | 'login_code' | 'invite';

export interface WebMailPayload extends Record<string, unknown> {
  purpose: WebMailPurpose;
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  inReplyTo: null;
}

export interface Sender {
  name: string;
  address: string;
}

export async function queueWebMail(q: Queryable, ticketId: number | null, payload: Omit<WebMailPayload, 'inReplyTo'>): Promise<void> {
  await enqueue(q, [{ ticketId, sink: 'mail', kind: 'mail.auto', payload: { ...payload, inReplyTo: null } }]);
}

export function acknowledgementMail(lang: Lang, v: { number: string; subject: string; name: string; link: string; days: number; team: string; subjectToken: string }) {
  const t = translator(lang);
  return {
    subject: `${t('mail.ack.subject', { subject: v.subject })} [${v.subjectToken}${v.number}]`,
    text: t('mail.ack.body', { name: v.name, number: v.number, link: v.link, days: v.days, team: v.team }),
  };
}

export function statusLinkMail(lang: Lang, v: { number: string; subject: string; link: string; days: number; team: string; subjectToken: string }) {
  const t = translator(lang);
  return {
    subject: `${t('mail.status.subject', { number: v.number })} [${v.subjectToken}${v.number}]`,
    text: t('mail.status.body', { number: v.number, subject: v.subject, link: v.link, days: v.days, team: v.team }),
  };
}

export function loginCodeMail(lang: Lang, code: string) {
  const t = translator(lang);
  return { subject: t('mail.code.subject', { code }), text: t('mail.code.body', { code }) };
}

export function inviteMail(lang: Lang, v: { name: string; link: string; login: string; days: number }) {
  const t = translator(lang);
  return { subject: t('mail.invite.subject'), text: t('mail.invite.body', v) };
}
