// Shapes of a parsed inbound mail. Plain data only (no parser objects), so the bridge can store,
// log and compare them without knowing about mailparser.

export interface MailAddress {
  /** As written in the mail (case kept); compare with `normaliseAddress`. */
  address: string;
  /** Display name, '' when the mail gave none. */
  name: string;
}

export interface MailAttachment {
  /** Always set: unnamed parts get a readable name ("Delivery report.txt", "<subject>.eml", "attachment-2.png"). */
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** Without angle brackets, for matching `cid:` references. */
  contentId?: string;
  /** Embedded in the HTML body (an image referenced by `cid:`), as opposed to a file the sender attached. */
  inline: boolean;
  /** For a returned/forwarded message (message/rfc822, text/rfc822-headers): what its headers say. */
  embedded?: { messageId: string | null; subject: string | null };
}

/** Lower-cased header name → unfolded raw values, one per occurrence. */
export type MailHeaders = Readonly<Record<string, readonly string[]>>;

export interface ParsedMail {
  /** Without angle brackets. */
  messageId: string | null;
  inReplyTo: string[];
  references: string[];
  /** The sender: the first From with an address, else Reply-To, else Sender (spam often has a broken From). */
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  /** Decoded, whitespace-trimmed; '' when missing. */
  subject: string;
  date: Date | null;
  /** Readable plain text: the text part, or the HTML converted when the mail has no text. */
  text: string;
  /** Only the new part of a reply: quotes and signature stripped. Never empty when `text` is not. */
  visibleText: string;
  /** The new part with the signature kept (what talon calls the reply text). */
  replyText: string;
  /** Whether the mail had an HTML body. The HTML itself is deliberately not passed on. */
  html: boolean;
  attachments: MailAttachment[];
  /** Top-level Content-Type (value lower-cased, parameter names lower-cased). */
  contentType: { value: string; params: Readonly<Record<string, string>> };
  /** The headers loop protection and bounce detection look at (see LOOP_HEADER_NAMES). */
  headers: MailHeaders;
  /** sha256 hex of the raw bytes, to recognise the same mail delivered twice. */
  contentHash: string;
  sizeBytes: number;
}
