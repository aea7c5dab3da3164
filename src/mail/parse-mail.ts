// Raw RFC 822 bytes → ParsedMail: everything the bridge needs to thread, display and police a
// mail, as plain data. No database, no network.
import { createHash } from 'node:crypto';
import {
  parseAddressHeader,
  simpleParser,
  type AddressObject,
  type Attachment,
  type EmailAddress,
  type HeaderLines,
  type SimpleParserOptions,
  type StructuredHeader,
} from 'mailparser';
import { declaredCharset, repairLatin1Param, repairUtf8Header } from './charset.js';
import { collectHeaders, headerValue, LOOP_HEADER_NAMES, parseMessageIds } from './headers.js';
import { htmlToText } from './html-to-text.js';
import { stripReply } from './strip-reply.js';
import type { MailAddress, MailAttachment, ParsedMail } from './types.js';

const PARSER_OPTIONS: SimpleParserOptions = {
  // We convert HTML ourselves (safe links, no script); mailparser's conversion would be discarded.
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  keepCidLinks: true,
  // DSN parts and returned/forwarded messages stay attachments: bounce detection reads them and
  // nothing of a mail is silently folded into (or lost from) the text.
  keepDeliveryStatus: true,
  ignoreEmbedded: true,
  checksumAlgo: false,
};

/** Parses a raw mail. Rejects only when mailparser cannot read it at all. */
export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const mp = await simpleParser(raw, PARSER_OPTIONS);
  const contentType = structured(mp.headers.get('content-type'));
  const charset = declaredCharset(raw, contentType.params.charset);
  const html = typeof mp.html === 'string' ? mp.html : '';

  const plain = cleanText(mp.text ?? '');
  const text = plain.trim() !== '' ? plain : html ? htmlToText(html) : '';
  const stripped = stripReply(text);

  return {
    messageId: parseMessageIds(mp.messageId)[0] ?? null,
    inReplyTo: parseMessageIds(mp.inReplyTo),
    references: parseMessageIds(mp.references),
    from: sender(mp.from, mp.replyTo, mp.headerLines, charset),
    to: addresses(mp.to),
    cc: addresses(mp.cc),
    replyTo: addresses(mp.replyTo),
    subject: oneLine(repairUtf8Header(mp.subject ?? '', rawLine(mp.headerLines, 'subject'), charset)),
    date: mp.date && !Number.isNaN(mp.date.getTime()) ? mp.date : null,
    text,
    visibleText: stripped.text,
    replyText: stripped.withSignature,
    html: html !== '',
    attachments: await Promise.all(mp.attachments.map((a, i) => attachment(a, i, raw, charset, html))),
    contentType,
    headers: collectHeaders(mp.headerLines, LOOP_HEADER_NAMES),
    contentHash: createHash('sha256').update(raw).digest('hex'),
    sizeBytes: raw.length,
  };
}

function structured(value: unknown): ParsedMail['contentType'] {
  const h = value as StructuredHeader | undefined;
  if (!h || typeof h.value !== 'string') return { value: 'text/plain', params: {} };
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.params ?? {})) params[k.toLowerCase()] = v;
  return { value: h.value.toLowerCase(), params };
}

/** CRLF → LF, and no control characters (they have no business in a chat message). */
function cleanText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\P{Cc}\t\n]/gu, '')
    .trimEnd();
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+[ \t]*/g, ' ').trim();
}

function rawLine(lines: HeaderLines, key: string): string | undefined {
  return lines.find((l) => l.key === key)?.line;
}

function flatten(list: readonly EmailAddress[]): MailAddress[] {
  return list.flatMap((a) => (a.group ? flatten(a.group) : a.address ? [{ address: a.address, name: a.name ?? '' }] : []));
}

function addresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!value) return [];
  return (Array.isArray(value) ? value : [value]).flatMap((o) => flatten(o.value));
}

/**
 * Who sent the mail. Spam and broken clients write a From without an address ("[??????]"), an
 * empty one (`"我" <>`), or two From headers; like Zammad we then take the next From that has an
 * address, else Reply-To, else Sender, so the mail can still be answered and attributed.
 */
function sender(
  from: AddressObject | undefined,
  replyTo: AddressObject | undefined,
  lines: HeaderLines,
  charset: string | null,
): MailAddress | null {
  const first = addresses(from)[0];
  if (first) return { address: first.address, name: repairName(first.name, rawLine(lines, 'from'), charset) };
  return firstAddressIn(lines, 'from') ?? addresses(replyTo)[0] ?? firstAddressIn(lines, 'sender');
}

/** The first address in any occurrence of a header (mailparser keeps only the first occurrence). */
function firstAddressIn(lines: HeaderLines, key: string): MailAddress | null {
  for (const { line } of lines.filter((l) => l.key === key)) {
    // headerLines hold the raw bytes as Latin-1; most raw 8-bit headers are UTF-8.
    const found = flatten(parseAddressHeader(headerValue(Buffer.from(line, 'latin1').toString('utf8'))).value)[0];
    if (found) return found;
  }
  return null;
}

/** A display name mailparser read as UTF-8 although it is raw GBK/Latin-1 bytes. */
function repairName(name: string, line: string | undefined, charset: string | null): string {
  if (!name.includes('\uFFFD') || !line) return name;
  const repaired = repairUtf8Header(name, line, charset);
  if (repaired === name) return name;
  return flatten(parseAddressHeader(repaired).value)[0]?.name || name;
}

async function attachment(a: Attachment, index: number, raw: Buffer, charset: string | null, html: string): Promise<MailAttachment> {
  const contentType = a.contentType.toLowerCase();
  const embedded = isEmbeddedMessage(contentType) ? await embeddedHeaders(a.content) : undefined;
  const given = a.filename ? sanitiseFilename(repairLatin1Param(a.filename, raw, charset)) : '';
  const cid = a.cid ?? undefined;
  return {
    filename: given || defaultFilename(contentType, index, embedded?.subject ?? null),
    contentType,
    size: a.size,
    content: a.content,
    ...(cid ? { contentId: cid } : {}),
    // Apple Mail marks ordinary attachments "inline" too, so the disposition alone says little:
    // inline means "shown inside the HTML body", i.e. related to it or referenced by cid:.
    inline: a.related === true || (cid !== undefined && html.includes(`cid:${cid}`)),
    ...(embedded ? { embedded } : {}),
  };
}

function isEmbeddedMessage(contentType: string): boolean {
  return contentType === 'message/rfc822' || contentType === 'message/global' || contentType === 'text/rfc822-headers';
}

/** Message-ID and subject of a returned or forwarded message, from its header block only. */
async function embeddedHeaders(content: Buffer): Promise<{ messageId: string | null; subject: string | null }> {
  const end = content.indexOf('\r\n\r\n') !== -1 ? content.indexOf('\r\n\r\n') : content.indexOf('\n\n');
  const head = end === -1 ? content : content.subarray(0, end + 2);
  const mp = await simpleParser(head, PARSER_OPTIONS);
  return { messageId: parseMessageIds(mp.messageId)[0] ?? null, subject: mp.subject ? oneLine(mp.subject) || null : null };
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'application/pdf': '.pdf',
  'text/plain': '.txt',
  'text/html': '.html',
  'text/calendar': '.ics',
  'text/csv': '.csv',
};

/** Names for unnamed parts, so the thread shows something a person recognises (Zammad's wording). */
function defaultFilename(contentType: string, index: number, subject: string | null): string {
  if (contentType === 'message/delivery-status' || contentType === 'message/global-delivery-status') return 'Delivery report.txt';
  if (contentType === 'text/rfc822-headers') return 'Returned headers.txt';
  if (contentType === 'message/rfc822' || contentType === 'message/global') {
    return `${sanitiseFilename(subject ?? '') || 'message'}.eml`;
  }
  return `attachment-${index + 1}${EXTENSIONS[contentType] ?? '.bin'}`;
}

/** A file name that is safe to show and to store: no directories, no control characters, bounded. */
export function sanitiseFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = base
    // Control and invisible format characters, including U+202E which can make "exe.pdf" look like a PDF.
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/^[.\s]+/, '')
    .trim();
  if (clean.length <= 200) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 12 ? clean.slice(dot) : '';
  return clean.slice(0, 200 - ext.length) + ext;
}
