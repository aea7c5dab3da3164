// The contact form as a use of the ticket core: validate what was submitted, open the ticket as
// a mail would (the system actor on behalf of the requester), set the topic's fields and queue
// the acknowledgement with a status link.
import { eq } from 'drizzle-orm';
import type { Translate } from '../../adapters/web/i18n.js';
import type { Lang } from '../../adapters/web/i18n.js';
import type { UploadedFile } from '../../adapters/web/adapter.js';
import type { Config } from '../config/schema.js';
import { contacts } from '../db/schema.js';
import { normaliseAddress } from '../mail/addresses.js';
import { SYSTEM_ACTOR } from '../tickets/actors.js';
import { createTicket } from '../tickets/create-ticket.js';
import { setField } from '../tickets/edit-usecases.js';
import type { FieldErrors } from './layout.js';
import { statusPath } from './status-links.js';
import type { WebContext } from './web-context.js';
import { acknowledgementMail, queueWebMail } from './web-mail.js';

export type TopicConfig = Config['helpTopics'][number];
export type TopicField = TopicConfig['fields'][number];

export interface ContactInput {
  name: string;
  email: string;
  subject: string;
  message: string;
  topic: string;
  department: string;
  /** Values of the chosen topic's fields, by field id. */
  fields: Record<string, string>;
  files: UploadedFile[];
}

export const fieldName = (topicId: string, fieldId: string) => `fld.${topicId}.${fieldId}`;

export function contactInputFrom(fields: Record<string, string>, files: UploadedFile[], config: Config): ContactInput {
  const topic = (fields.topic ?? '').trim();
  const topicConfig = config.helpTopics.find((x) => x.id === topic);
  const values: Record<string, string> = {};
  for (const f of topicConfig?.fields ?? []) {
    const v = fields[fieldName(topic, f.id)];
    if (v !== undefined) values[f.id] = v.trim();
  }
  return {
    name: (fields.name ?? '').trim().slice(0, 200),
    email: (fields.email ?? '').trim(),
    subject: (fields.subject ?? '').replace(/\s+/g, ' ').trim().slice(0, 300),
    message: (fields.message ?? '').trim(),
    topic,
    department: (fields.department ?? '').trim(),
    fields: values,
    files,
  };
}

function fieldProblem(f: TopicField, value: string): string | null {
  if (!value) return null;
  if (f.type === 'select' && !f.options.includes(value)) return f.options.join(', ');
  if (f.type === 'date' && (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value)))) return 'YYYY-MM-DD';
  return null;
}

export function validateContact(input: ContactInput, config: Config, offered: string[], t: Translate): FieldErrors {
  const errors: FieldErrors = {};
  if (!input.name) errors.name = t('contact.err.name');
  if (!normaliseAddress(input.email) || input.email.length > 254) errors.email = t('contact.err.email');
  if (!input.subject) errors.subject = t('contact.err.subject');
  if (!input.message) errors.message = t('contact.err.message');
  const topic = config.helpTopics.find((x) => x.id === input.topic);
  if (input.topic && !topic) errors.topic = t('contact.err.topic');
  if (config.helpTopics.length > 0 && !input.topic) errors.topic = t('contact.err.topic');
  if (offered.length > 1 && !offered.includes(input.department)) errors.department = t('contact.err.department');
  for (const f of topic?.fields ?? []) {
    const problem = fieldProblem(f, input.fields[f.id] ?? '');
    if (problem) errors[fieldName(topic!.id, f.id)] = t('contact.err.field', { reason: problem });
  }
  return errors;
}

/** The address automatic mails of a department come from. */
export function senderFor(config: Config, departmentId: string): { name: string; address: string } {
  const d = config.departments.find((x) => x.id === departmentId);
  const address = d?.emails[0] ?? config.departments.find((x) => x.emails.length > 0)?.emails[0] ?? 'helpdesk@localhost';
  return { name: d?.name ?? config.web.teamName ?? 'threaddesk', address };
}

export interface ContactOutcome {
  /** Null when the submission was quietly dropped (blocked sender, filled honeypot). */
  number: string | null;
  email: string;
}

export async function submitContact(web: WebContext, input: ContactInput, lang: Lang): Promise<ContactOutcome> {
  const { config, tickets } = web;
  const email = normaliseAddress(input.email)!;
  const [known] = await tickets.db.select({ blocked: contacts.blocked }).from(contacts).where(eq(contacts.email, email));
  if (known?.blocked) {
    web.logger.info({ email }, 'web: contact form from a blocked sender dropped');
    return { number: null, email };
  }
  const offered = web.settings.contactDepartments;
  const topic = config.helpTopics.find((x) => x.id === input.topic);
  const departmentId = offered.length > 1 ? input.department : (topic?.department ?? offered[0]);
  const { ticket } = await createTicket(tickets, SYSTEM_ACTOR, {
    subject: input.subject,
    departmentId,
    topicId: topic?.id,
    requester: { email, name: input.name },
    text: input.message,
    source: 'web',
    attachments: input.files,
    messageData: { via: 'contact-form' },
  });
  for (const f of topic?.fields ?? []) {
    const value = f.type === 'checkbox' ? (input.fields[f.id] ? 'yes' : '') : (input.fields[f.id] ?? '');
    if (value) await setField(tickets, SYSTEM_ACTOR, ticket.number, f.id, value);
  }
  const days = web.settings.statusLinkDays;
  const expires = new Date(tickets.now().getTime() + days * 86_400_000);
  const [row] = await tickets.db.query.tickets.findMany({ where: (t, { eq: is }) => is(t.id, ticket.id), columns: { secret: true } });
  const link = `${web.publicUrl()}${statusPath(web.secret, row!.secret, email, expires)}`;
  const mail = acknowledgementMail(lang, {
    number: ticket.number,
    subject: input.subject,
    name: input.name,
    link,
    days,
    team: web.settings.team,
    subjectToken: config.tickets.subjectToken,
  });
  await queueWebMail(tickets.db, ticket.id, { purpose: 'acknowledgement', from: senderFor(config, ticket.department), to: email, ...mail });
  web.poke();
  return { number: ticket.number, email };
}
