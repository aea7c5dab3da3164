// Address and ticket-token helpers for matching inbound mail to tickets (SPEC §4: subject token,
// plus-address) and for stamping outbound mail (SPEC §2: `[#<number>]` in the subject).
import { randomBytes } from 'node:crypto';

/** Characters a ticket number may contain (SPEC §2 formats: letters, digits, - _ . / and a prefix with #). */
const NUMBER_BODY = '[A-Za-z0-9][A-Za-z0-9#_./-]*';
const WHOLE_NUMBER = new RegExp(`^${NUMBER_BODY}$`);
/** The subject-token pattern per configured prefix (matchAll copies it, so sharing it is safe). */
const SUBJECT_TOKEN = new Map<string, RegExp>();

/**
 * Lower-cased, trimmed address without angle brackets or `mailto:`; null when it is not an address.
 * Local parts are case-sensitive in theory, never in practice, and a helpdesk must match
 * "Support@Example.org" to "support@example.org".
 */
export function normaliseAddress(address: string): string | null {
  const a = address
    .trim()
    .replace(/^mailto:/i, '')
    .replace(/^<(.*)>$/, '$1')
    .trim()
    .normalize('NFC')
    .toLowerCase()
    .replace(/\.$/, '');
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1 || /\s/.test(a)) return null;
  return a;
}

/** The address without its `+tag` ("support+123@x.org" → "support@x.org"), normalised. */
export function baseAddress(address: string): string | null {
  const a = normaliseAddress(address);
  if (!a) return null;
  const at = a.lastIndexOf('@');
  const local = a.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? `${local.slice(0, plus)}${a.slice(at)}` : a;
}

/** Whether `address` is one of `ours`, ignoring case and plus-tags on either side. */
export function isOwnAddress(address: string, ours: readonly string[]): boolean {
  const base = baseAddress(address);
  return base !== null && ours.some((o) => baseAddress(o) === base);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The ticket number from a `[#20261123000042]`-style token in a subject, or null. `prefix` is what
 * precedes the number inside the brackets (`#` by default, e.g. `KNF#` when configured). The
 * number must contain a digit, so "[#general]" is not taken for a ticket.
 */
export function ticketNumberFromSubject(subject: string, prefix = '#'): string | null {
  if (!subject.includes('[')) return null; // most subjects: no token, and no regex to run
  let re = SUBJECT_TOKEN.get(prefix);
  if (!re) SUBJECT_TOKEN.set(prefix, (re = new RegExp(`\\[\\s*${escapeRegExp(prefix)}(${NUMBER_BODY})\\s*\\]`, 'gi')));
  for (const m of subject.matchAll(re)) {
    const n = m[1];
    if (n && /\d/.test(n)) return n;
  }
  return null;
}

/**
 * The ticket number from a plus-address (`support+20261123000042@example.org`), when the address
 * without the tag is one of the department addresses; otherwise null (a customer's own
 * "jane+shop@gmail.com" must not be read as a ticket).
 */
export function ticketNumberFromPlusAddress(address: string, departmentAddresses: readonly string[]): string | null {
  if (normaliseAddress(address) === null) return null;
  // The tag is read from the address as written, so a number with letters keeps its case.
  const written = address.trim().replace(/^mailto:/i, '').replace(/^<(.*)>$/, '$1').trim();
  const at = written.lastIndexOf('@');
  const local = written.slice(0, at);
  const plus = local.indexOf('+');
  if (plus <= 0) return null;
  const tag = local.slice(plus + 1);
  if (!WHOLE_NUMBER.test(tag) || !/\d/.test(tag)) return null;
  const base = baseAddress(written);
  return base !== null && departmentAddresses.some((d) => baseAddress(d) === base) ? tag : null;
}

/**
 * The subject with the ticket token added once, at the end so "Re:"/"AW:" stay in front where
 * mail clients look for them: "Re: Printer broken" → "Re: Printer broken [#20261123000042]".
 */
export function subjectWithTicketToken(subject: string, number: string, prefix = '#'): string {
  const token = `[${prefix}${number}]`;
  const trimmed = subject.replace(/\s+/g, ' ').trim();
  if (trimmed.toLowerCase().includes(token.toLowerCase())) return trimmed;
  return trimmed ? `${trimmed} ${token}` : token;
}

/**
 * A new Message-ID (without angle brackets; nodemailer adds them): 160 random bits plus a time
 * part, so ids are unique across processes without coordination.
 */
export function makeMessageId(domain: string): string {
  const d = domain.trim().toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(d)) {
    throw new Error(`makeMessageId: not a domain name: ${JSON.stringify(domain)}`);
  }
  return `${Date.now().toString(36)}.${randomBytes(20).toString('base64url')}@${d}`;
}
