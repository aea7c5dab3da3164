// Automatic mails (acknowledgement, size refusal, the rejected-requests answer): written to the
// outbox in the intake's transaction, only when RFC 3834 allows an automatic answer to that mail
// and the sender has not had too many this hour. The sink sends them with Auto-Submitted.
import type { Queryable } from '../db/create-db.js';
import { enqueue } from '../outbox/enqueue.js';
import { normaliseAddress, subjectWithTicketToken } from './addresses.js';
import { autoMailPolicy } from './classify.js';
import { takeAutoMailSlot } from './mail-ledger.js';
import type { MailSettings } from './settings.js';
import type { ParsedMail } from './types.js';

export type AutoMailPurpose = 'acknowledgement' | 'too_large' | 'rejected';

/** The payload of a `mail.auto` outbox row: everything the sink needs, rendered at intake. */
export interface AutoMailPayload extends Record<string, unknown> {
  purpose: AutoMailPurpose;
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  inReplyTo: string | null;
}

export interface AutoMailDecision {
  queued: boolean;
  /** Why none was sent (loop protection, rate limit). */
  reason?: string;
}

export type AutoMailPlan = { to: string; payload: AutoMailPayload } | { to: null; reason: string };

/** Whether RFC 3834 and our own rules allow an automatic answer to this mail, and what it is. */
export function planAutoMail(
  settings: MailSettings,
  parsed: ParsedMail,
  mail: { purpose: AutoMailPurpose; from: { name: string; address: string }; subject: string; text: string },
): AutoMailPlan {
  const policy = autoMailPolicy(parsed, settings.ownAddresses);
  if (!policy.mayAutoReply) return { to: null, reason: policy.reason ?? 'not allowed' };
  // RFC 3834 §3.1.5 would allow Return-Path; Reply-To is what the sender asked answers to go to.
  const to = normaliseAddress(parsed.replyTo[0]?.address ?? parsed.from?.address ?? '');
  if (!to) return { to: null, reason: 'no address to answer' };
  if (settings.autoReplyLimitPerHour <= 0) return { to: null, reason: 'automatic mails are switched off (mail.autoReplyLimitPerHour: 0)' };
  return { to, payload: { ...mail, to, inReplyTo: parsed.messageId } };
}

export const autoMailLimitReason = (settings: MailSettings, to: string) => `more than ${settings.autoReplyLimitPerHour} automatic mails to ${to} this hour`;

export async function queueAutoMail(
  q: Queryable,
  settings: MailSettings,
  parsed: ParsedMail,
  mail: { purpose: AutoMailPurpose; ticketId: number | null; from: { name: string; address: string }; subject: string; text: string },
  now: Date,
): Promise<AutoMailDecision> {
  const { ticketId, ...content } = mail;
  const plan = planAutoMail(settings, parsed, content);
  if (plan.to === null) return { queued: false, reason: plan.reason };
  if (!(await takeAutoMailSlot(q, plan.to, settings.autoReplyLimitPerHour, now))) {
    return { queued: false, reason: autoMailLimitReason(settings, plan.to) };
  }
  await enqueue(q, [{ ticketId, sink: 'mail', kind: 'mail.auto', payload: plan.payload }]);
  return { queued: true };
}

/** "Re: <subject>" unless it already is a reply, so the customer's client threads it. */
export function replySubject(subject: string): string {
  const s = subject.trim() || '(no subject)';
  return /^(re|aw|sv|antw|wg|fwd?)\s*:/i.test(s) ? s : `Re: ${s}`;
}

export function acknowledgement(input: {
  number: string;
  subject: string;
  statusUrl: string;
  departmentName: string;
  name: string | null;
  settings: MailSettings;
}): { subject: string; text: string } {
  const token = `[${input.settings.subjectToken}${input.number}]`;
  return {
    subject: subjectWithTicketToken(replySubject(input.subject), input.number, input.settings.subjectToken),
    text: [
      `Hello${input.name ? ` ${input.name}` : ''},`,
      '',
      `thank you for your message. We have opened ticket ${input.settings.subjectToken}${input.number} for it:`,
      `  ${input.subject || '(no subject)'}`,
      '',
      `You can follow its status here: ${input.statusUrl}`,
      '',
      `To add something, reply to this mail and keep ${token} in the subject.`,
      '',
      '-- ',
      input.departmentName,
      '(This is an automatic message.)',
    ].join('\n'),
  };
}

/** "8.0 MB", "512 KB": sizes as people read them. */
export function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

export function tooLargeRefusal(input: { subject: string; sizeBytes: number; limitBytes: number; departmentName: string }): { subject: string; text: string } {
  const mb = formatSize;
  return {
    subject: `Not delivered: ${input.subject || '(no subject)'}`,
    text: [
      'Hello,',
      '',
      `your message "${input.subject || '(no subject)'}" could not be accepted: it is ${mb(input.sizeBytes)}, and we accept at most ${mb(input.limitBytes)} per message, attachments included.`,
      '',
      'Please send it again with smaller or fewer attachments (for example as a link to a file share), or split it into several mails.',
      '',
      '-- ',
      input.departmentName,
      '(This is an automatic message.)',
    ].join('\n'),
  };
}

export function rejectedAnswer(input: { subject: string; answer: string; departmentName: string }): { subject: string; text: string } {
  return {
    subject: replySubject(input.subject),
    text: [input.answer.trim(), '', '-- ', input.departmentName, '(This is an automatic message.)'].join('\n'),
  };
}
