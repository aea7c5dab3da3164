// The four ways an inbound mail is stored: on the ticket it matched, as a bounce note, or refused
// for its size, each inside the intake's transaction; or as a new ticket (or a rejected request),
// which is one statement of its own.
import { and, eq } from 'drizzle-orm';
import { agents, contacts, messages } from '../db/schema.js';
import { SYSTEM_ACTOR } from '../tickets/actors.js';
import { allocateTicketNumber, newTicketSecret, openedEvent, type NewAttachment } from '../tickets/create-ticket.js';
import { STATE_OF } from '../domain/lifecycle.js';
import { addCustomerMessage } from '../tickets/message-usecases.js';
import { normaliseAddress, ticketNumberFromSubject } from './addresses.js';
import { acknowledgement, autoMailLimitReason, formatSize, planAutoMail, queueAutoMail, rejectedAnswer, tooLargeRefusal } from './auto-mail.js';
import { isBulk, type BounceInfo } from './classify.js';
import { writeNewTicketFromMail, type NewTicketFromMail } from './new-ticket-statement.js';
import type { IntakeStep } from './intake.js';
import { ticketIdForMessageIds, type InboundOutcome } from './mail-ledger.js';
import { addMailEvent, addMailNote } from './mail-notes.js';
import { matchById, matchByNumber, type TicketMatch } from './matching.js';
import { serverSecret } from '../web/agent-store.js';
import { statusPath } from '../web/status-links.js';
import { allowedToInternal, departmentForAddress, fromAddressOf, type MailDepartment } from './settings.js';

export interface StepResult {
  outcome: InboundOutcome;
  ticketId: number | null;
  ticketNumber: string | null;
  /** The history entry holding the mail; its raw bytes go to raw_mails. */
  messageRowId: number | null;
  flagged: boolean;
  /** Raw bytes for the ledger when no history entry holds them. */
  keepRaw?: Buffer;
  autoMailSkipped?: string;
}

/** A reply (or any mail) for an existing ticket: the customer's message, an agent's note, or a flagged note from a stranger. */
export async function storeOnTicket(step: IntakeStep, match: TicketMatch): Promise<StepResult> {
  const { ctx } = step;
  const from = senderOf(step);
  const data = mailData(step, match);
  const files = attachmentsOf(step);
  const [agent] = await ctx.db.select({ id: agents.id }).from(agents).where(and(eq(agents.email, from.email), eq(agents.active, true)));
  let messageRowId: number;
  if (agent) {
    // An agent answering by mail (e.g. from CC) is working the ticket, not a stranger to flag.
    messageRowId = await addMailNote(ctx, match.ticket.number, { text: textOf(step), authorAgentId: agent.id, authorContactId: null, flagged: false, data, attachments: files });
  } else {
    messageRowId = (await addCustomerMessage(ctx, SYSTEM_ACTOR, match.ticket.number, { from, text: textOf(step), source: 'mail', attachments: files, data })).messageId;
  }
  const [row] = await ctx.db.select({ flagged: messages.flagged }).from(messages).where(eq(messages.id, messageRowId));
  return { outcome: 'appended', ticketId: match.ticket.id, ticketNumber: match.ticket.number, messageRowId, flagged: row?.flagged ?? false };
}

/**
 * No ticket matched: a new one in the department owning the address, or a rejected request
 * (seed 001). Runs outside the intake's transaction: it is one statement of its own, ledger row
 * included (see new-ticket-statement.ts). 'duplicate' when the same mail was recorded before;
 * 'threaded' (nothing written) when one of `threadIds` belongs to a ticket after all.
 */
export async function storeNewTicket(step: IntakeStep, threadIds: readonly string[] = []): Promise<StepResult | 'duplicate' | 'threaded'> {
  const { ctx, deps, parsed } = step;
  const { settings } = deps;
  const department = departmentOf(step);
  const from = senderOf(step);
  const rejected = department.internal && !allowedToInternal(settings, from.email);
  const home = rejected ? (settings.departments.find((d) => d.id === settings.rejected.departmentId) ?? department) : department;
  const now = ctx.now();
  const number = step.number ?? (await allocateTicketNumber(ctx, now));
  const subject = parsed.subject.trim() || '(no subject)';
  const secret = newTicketSecret();
  const status = rejected ? ('closed' as const) : ('open' as const);

  let autoMail: NewTicketFromMail['autoMail'] = null;
  let autoMailSkipped: string | undefined;
  if (deps.autoMail && (rejected || settings.acknowledge)) {
    const content = rejected
      ? rejectedAnswer({ subject, answer: settings.rejected.answer, departmentName: department.name })
      : acknowledgement({ number, subject, statusUrl: await statusUrl(step, secret, from.email), departmentName: department.name, name: from.name ?? null, settings });
    const plan = planAutoMail(settings, parsed, { purpose: rejected ? 'rejected' : 'acknowledgement', from: fromAddressOf(settings, department.id), ...content });
    if (plan.to === null) autoMailSkipped = plan.reason;
    else autoMail = { to: plan.to, payload: plan.payload, limitPerHour: settings.autoReplyLimitPerHour };
  }

  const input: NewTicketFromMail = {
    number,
    secret,
    subject,
    departmentId: home.id,
    status,
    state: STATE_OF[status],
    now,
    requester: from,
    event: openedEvent(from.email, home, 'mail'),
    text: textOf(step, true),
    messageData: mailData(step, null),
    attachments: attachmentsOf(step),
    collaborators: rejected ? [] : collaboratorsOf(step, from.email),
    announce: !rejected && !home.muted,
    autoMail,
    ledger: { messageId: parsed.messageId ?? '', contentHash: parsed.contentHash, bulk: isBulk(parsed), outcome: rejected ? 'rejected' : 'created' },
    raw: step.raw,
    ...(step.envelope.checkpoint ? { checkpoint: step.envelope.checkpoint } : {}),
    threadIds: threadIds.filter((id) => id !== ''),
  };
  const written = await (deps.newTickets ? deps.newTickets.write(input) : writeNewTicketFromMail(ctx.db, input));
  if (written.threaded) return 'threaded';
  if (!written.fresh) return 'duplicate';
  if (autoMail && !written.autoMailQueued) autoMailSkipped = autoMailLimitReason(settings, autoMail.to);
  return {
    outcome: rejected ? 'rejected' : 'created',
    ticketId: written.ticketId,
    ticketNumber: number,
    messageRowId: written.messageRowId,
    flagged: false,
    ...(autoMailSkipped ? { autoMailSkipped } : {}),
  };
}

/** A delivery status notification: a flagged note on the ticket whose mail bounced, and the contact flagged. Never a new ticket. */
export async function storeBounce(step: IntakeStep, bounce: BounceInfo): Promise<StepResult> {
  const { ctx, parsed, deps } = step;
  const recipient = bounce.recipient ? normaliseAddress(bounce.recipient) : null;
  if (recipient) await ctx.db.update(contacts).set({ flagged: true }).where(eq(contacts.email, recipient));

  let match: TicketMatch | null = null;
  const byId = bounce.originalMessageId ? await ticketIdForMessageIds(ctx.db, [bounce.originalMessageId]) : null;
  if (byId !== null) match = await matchById(ctx.db, byId, 'header');
  for (const a of parsed.attachments) {
    const n = match ? null : ticketNumberFromSubject(a.embedded?.subject ?? '', deps.settings.subjectToken);
    if (n) match = await matchByNumber(ctx.db, n, deps.settings.numberPrefix, 'subject');
  }
  match ??= step.match;
  if (!match || match.ticket.status === 'deleted') {
    return { outcome: 'unmatched', ticketId: null, ticketNumber: null, messageRowId: null, flagged: true, keepRaw: step.raw };
  }
  const why = bounce.diagnostic ?? parsed.subject;
  const text = `Mail to ${recipient ?? 'the customer'} could not be delivered${bounce.status ? ` (${bounce.status})` : ''}: ${why}`;
  const messageRowId = await addMailNote(ctx, match.ticket.number, {
    text,
    authorAgentId: null,
    authorContactId: null,
    flagged: true,
    data: { ...mailData(step, match), bounce: { ...bounce } },
    attachments: attachmentsOf(step),
  });
  return { outcome: 'bounce', ticketId: match.ticket.id, ticketNumber: match.ticket.number, messageRowId, flagged: true };
}

/** Over the size limit: a polite explanation to the sender and an event on the ticket it belonged to. */
export async function storeRefusal(step: IntakeStep): Promise<StepResult> {
  const { ctx, deps, parsed, raw } = step;
  const match = step.match && step.match.ticket.status !== 'deleted' ? step.match : null;
  const department = match ? (deps.settings.departments.find((d) => d.id === match.ticket.departmentId) ?? departmentOf(step)) : departmentOf(step);
  let autoMailSkipped: string | undefined = deps.autoMail ? undefined : 'import sends no mail';
  if (deps.autoMail) {
    const mail = tooLargeRefusal({ subject: parsed.subject, sizeBytes: raw.length, limitBytes: deps.settings.maxMessageBytes, departmentName: department.name });
    const decision = await queueAutoMail(ctx.db, deps.settings, parsed, { purpose: 'too_large', ticketId: match?.ticket.id ?? null, from: fromAddressOf(deps.settings, department.id), ...mail }, ctx.now());
    autoMailSkipped = decision.reason;
  }
  const from = senderOf(step).email;
  if (match) {
    const told = autoMailSkipped ? `the sender was not told (${autoMailSkipped})` : 'the sender was told why';
    await addMailEvent(ctx, match.ticket.number, {
      action: 'mail_refused',
      text: `A mail from ${from} was refused: ${formatSize(raw.length)} is over the limit of ${formatSize(deps.settings.maxMessageBytes)}; ${told}.`,
      data: { from, sizeBytes: raw.length, limitBytes: deps.settings.maxMessageBytes, messageId: parsed.messageId },
    });
  }
  return {
    outcome: 'refused',
    ticketId: match?.ticket.id ?? null,
    ticketNumber: match?.ticket.number ?? null,
    messageRowId: null,
    flagged: false,
    keepRaw: headerBlock(raw),
    ...(autoMailSkipped ? { autoMailSkipped } : {}),
  };
}

/** The header block of a raw mail (kept for a refused mail instead of the whole thing). */
function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const cut = end !== -1 ? end + 4 : lf !== -1 ? lf + 2 : Math.min(raw.length, 64 * 1024);
  return raw.subarray(0, Math.min(cut, 64 * 1024));
}

function senderOf(step: IntakeStep): { email: string; name: string | null } {
  const address = normaliseAddress(step.parsed.from?.address ?? '') ?? normaliseAddress(step.envelope.mailFrom ?? '') ?? 'unknown-sender@invalid';
  return { email: address, name: step.parsed.from?.name || null };
}

/** The department: the SMTP recipient's, else the IMAP mailbox's, else a To/Cc address's, else the first. */
function departmentOf(step: IntakeStep): MailDepartment {
  const { settings } = step.deps;
  for (const r of step.envelope.recipients ?? []) {
    const d = departmentForAddress(settings, r);
    if (d) return d;
  }
  const mailbox = settings.departments.find((d) => d.id === step.envelope.departmentId);
  if (mailbox) return mailbox;
  for (const a of [...step.parsed.to, ...step.parsed.cc]) {
    const d = departmentForAddress(settings, a.address);
    if (d) return d;
  }
  return settings.departments[0]!;
}

/**
 * The message text: only the new part of a reply. A forwarded mail opening a ticket keeps its
 * whole text, because there the quoted part is the request.
 */
function textOf(step: IntakeStep, opensTicket = false): string {
  const { parsed } = step;
  const forwarded = /^\s*(fwd?|wg|tr|rv)\s*:/i.test(parsed.subject);
  const text = (opensTicket && forwarded ? parsed.text : parsed.visibleText).trim();
  if (text) return text;
  const n = parsed.attachments.length;
  return n > 0 ? `(no text; ${n} attachment${n === 1 ? '' : 's'})` : '(empty mail)';
}

function attachmentsOf(step: IntakeStep): NewAttachment[] {
  return step.parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content }));
}

function mailData(step: IntakeStep, match: TicketMatch | null): Record<string, unknown> {
  const { parsed, envelope } = step;
  return {
    mail: {
      messageId: parsed.messageId,
      subject: parsed.subject,
      from: parsed.from?.address ?? null,
      via: envelope.source,
      ...(match ? { route: match.route } : {}),
      ...(match?.mergedFrom ? { mergedFrom: match.mergedFrom } : {}),
      ...(parsed.html ? { html: true } : {}),
    },
  };
}

/** People the customer wrote to besides us become collaborators: they get our replies and may answer. */
function collaboratorsOf(step: IntakeStep, sender: string): string[] {
  const { settings } = step.deps;
  const others = [...step.parsed.to, ...step.parsed.cc]
    .map((a) => normaliseAddress(a.address))
    .filter((a): a is string => a !== null && a !== sender && departmentForAddress(settings, a) === null);
  return [...new Set(others)].slice(0, 20);
}

/** The same signed, expiring link the status page sends (a bare secret would not open). */
async function statusUrl(step: IntakeStep, ticketSecret: string, email: string): Promise<string> {
  const { settings } = step.deps;
  const expires = new Date(step.ctx.now().getTime() + settings.statusLinkDays * 86_400_000);
  return `${settings.publicUrl}${statusPath(await serverSecret(step.ctx.db), ticketSecret, email, expires)}`;
}
