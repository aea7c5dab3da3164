// Loop protection (RFC 3834, SPEC §4) and recognising newsletters and bounces (DSN, RFC 3464),
// from a ParsedMail alone so decisions can be re-made from stored data.
import { isOwnAddress, normaliseAddress } from './addresses.js';
import { parseFieldBlocks } from './headers.js';
import type { MailAddress, ParsedMail } from './types.js';

export interface AutoMailPolicy {
  mayAutoReply: boolean;
  /** Why not, for logs and the agent's view ("Precedence: bulk", "sender is a no-reply address"…). */
  reason?: string;
}

export interface BounceInfo {
  /** The address that could not be reached. */
  recipient?: string;
  /** Enhanced status code, e.g. "5.1.1". */
  status?: string;
  /** Message-ID (without <>) of our mail that bounced, to attach the bounce to its ticket. */
  originalMessageId?: string;
  /** The remote server's words, e.g. "550 5.1.1 <x@y>: Recipient address rejected: User unknown". */
  diagnostic?: string;
  /** DSN action: "failed", "delayed", "delivered", … (lower-case). */
  action?: string;
}

const DAEMON_LOCAL = /^(mailer[-_.]?daemon|mail[-_.]?daemon|postmaster)$/;
const NO_REPLY_LOCAL = /^(no[-_.]?reply|do[-_.]?not[-_.]?reply)([-_.+].*)?$/;
const BULK_PRECEDENCE = /^(bulk|junk|list)$/;
const BOUNCE_SUBJECT =
  /undeliver|returned mail|returned to sender|delivery (status notification|failure|failed|has failed|problem)|failure notice|mail delivery (failed|failure|subsystem|system)|non[- ]?delivery|could not be delivered|unable to deliver|unzustellbar|nicht zustellbar|zustellung fehlgeschlagen/i;

function first(parsed: ParsedMail, name: string): string | undefined {
  return parsed.headers[name]?.[0];
}

function has(parsed: ParsedMail, name: string): boolean {
  return (parsed.headers[name]?.length ?? 0) > 0;
}

function localPart(address: string): string {
  const a = normaliseAddress(address) ?? address.toLowerCase();
  return a.slice(0, a.lastIndexOf('@'));
}

/** Precedence: bulk|junk|list, or mailing-list headers. */
export function isBulk(parsed: ParsedMail): boolean {
  const precedence = first(parsed, 'precedence')?.trim().toLowerCase() ?? '';
  return BULK_PRECEDENCE.test(precedence) || has(parsed, 'list-id') || has(parsed, 'list-unsubscribe');
}

/**
 * Whether the helpdesk may send an automatic mail (acknowledgement, "use the form" answer) in
 * response to this one. RFC 3834 §2 and common practice; the first reason found is reported.
 */
export function autoMailPolicy(parsed: ParsedMail, ourAddresses: readonly string[]): AutoMailPolicy {
  const deny = (reason: string): AutoMailPolicy => ({ mayAutoReply: false, reason });

  const autoSubmitted = first(parsed, 'auto-submitted');
  if (autoSubmitted !== undefined) {
    const keyword = autoSubmitted.split(/[;(]/)[0]?.trim().toLowerCase() ?? '';
    if (keyword !== 'no') return deny(`Auto-Submitted: ${autoSubmitted}`);
  }
  const precedence = first(parsed, 'precedence')?.trim().toLowerCase() ?? '';
  if (BULK_PRECEDENCE.test(precedence)) return deny(`Precedence: ${precedence}`);
  if (has(parsed, 'list-id') || has(parsed, 'list-unsubscribe')) return deny('mailing list (List-Id/List-Unsubscribe)');
  if (has(parsed, 'x-autoreply') || has(parsed, 'x-autorespond')) return deny('X-Autoreply/X-Autorespond header');
  // Microsoft's way of asking not to be auto-answered.
  const suppress = first(parsed, 'x-auto-response-suppress')?.toLowerCase() ?? '';
  if (/\b(all|oof|autoreply)\b/.test(suppress)) return deny(`X-Auto-Response-Suppress: ${suppress}`);
  // RFC 3834 §3.1.5: responses go to the Return-Path; "<>" means the mail itself was automatic.
  if (first(parsed, 'return-path')?.replace(/\s/g, '') === '<>') return deny('null Return-Path (<>)');

  if (!parsed.from) return deny('no sender address');
  // The response would go to Reply-To if set, else From; both must be safe to write to.
  const recipients: MailAddress[] = [parsed.from, ...parsed.replyTo];
  for (const { address } of recipients) {
    const local = localPart(address);
    if (DAEMON_LOCAL.test(local)) return deny(`sender is a mailer daemon (${address})`);
    if (NO_REPLY_LOCAL.test(local.split('+')[0] ?? local)) return deny(`sender is a no-reply address (${address})`);
    if (isOwnAddress(address, ourAddresses)) return deny(`sender is our own address (${address})`);
  }
  if (detectBounce(parsed)) return deny('delivery status notification (bounce)');
  return { mayAutoReply: true };
}

/**
 * Recognises a delivery status notification: a multipart/report; report-type=delivery-status
 * (RFC 3464), or the classic Postfix/Exim/Exchange shape (from MAILER-DAEMON/postmaster, or with a
 * null Return-Path or X-Failed-Recipients, and a "Undelivered Mail…"-style subject).
 */
export function detectBounce(parsed: ParsedMail): BounceInfo | null {
  const dsnPart = parsed.attachments.find(
    (a) => a.contentType === 'message/delivery-status' || a.contentType === 'message/global-delivery-status',
  );
  const isReport = parsed.contentType.value === 'multipart/report' && parsed.contentType.params['report-type']?.toLowerCase() === 'delivery-status';
  if (!isReport && !dsnPart && !looksLikeBounce(parsed)) return null;

  const info: BounceInfo = dsnPart ? dsnFields(dsnPart.content.toString('utf8')) : {};
  const recipient = info.recipient ?? first(parsed, 'x-failed-recipients')?.split(',')[0]?.trim() ?? recipientFromText(parsed.text);
  const status = info.status ?? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(parsed.text)?.[1];
  const originalMessageId =
    parsed.attachments.find((a) => a.embedded?.messageId)?.embedded?.messageId ?? messageIdFromText(parsed.text);
  return {
    ...info,
    ...(recipient ? { recipient } : {}),
    ...(status ? { status } : {}),
    ...(originalMessageId ? { originalMessageId } : {}),
  };
}

function looksLikeBounce(parsed: ParsedMail): boolean {
  if (has(parsed, 'x-failed-recipients')) return true; // Exim sets it on every bounce.
  if (!BOUNCE_SUBJECT.test(parsed.subject)) return false;
  const fromDaemon = parsed.from !== null && DAEMON_LOCAL.test(localPart(parsed.from.address));
  const nullSender = first(parsed, 'return-path')?.replace(/\s/g, '') === '<>';
  return fromDaemon || nullSender;
}

/** Fields of the first failed recipient (else the first recipient) of a message/delivery-status body. */
function dsnFields(body: string): BounceInfo {
  const recipients = parseFieldBlocks(body).filter((b) => b.has('final-recipient') || b.has('original-recipient'));
  const block = recipients.find((b) => b.get('action')?.[0]?.toLowerCase().trim() === 'failed') ?? recipients[0];
  if (!block) return {};
  // "rfc822; user@example.org" → "user@example.org"; "smtp; 550 …" → "550 …"
  const typed = (name: string): string | undefined => {
    const v = block.get(name)?.[0];
    return v === undefined ? undefined : v.replace(/^[\w-]+\s*;\s*/, '').trim() || undefined;
  };
  const recipient = (typed('final-recipient') ?? typed('original-recipient'))?.replace(/^<(.*)>$/, '$1');
  const status = block.get('status')?.[0]?.trim().split(/\s/)[0];
  const diagnostic = typed('diagnostic-code');
  const action = block.get('action')?.[0]?.trim().toLowerCase();
  return {
    ...(recipient ? { recipient } : {}),
    ...(status ? { status } : {}),
    ...(diagnostic ? { diagnostic } : {}),
    ...(action ? { action } : {}),
  };
}

/** Postfix "<user@x>: host … said", Exim "The following address(es) failed:\n\n  user@x". */
function recipientFromText(text: string): string | undefined {
  return (
    /^\s*<([^<>\s]+@[^<>\s]+)>:/m.exec(text)?.[1] ??
    /address(?:\(es\))? failed:\s*\n\s*\n?\s*<?([^<>\s]+@[^<>\s:]+)>?/i.exec(text)?.[1] ??
    undefined
  );
}

/** Bounces that quote the returned mail inline (Exim, some Exchange) carry its Message-ID in the text. */
function messageIdFromText(text: string): string | undefined {
  return /^\s*Message-ID:\s*<([^<>\s]+)>/im.exec(text)?.[1];
}
