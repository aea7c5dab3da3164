// Finds the new part of a reply (SPEC §4: chat shows only that; the raw mail is kept).
// `email-reply-parser` (crisp-oss) splits the text into quoted / signature / visible fragments.
// On top of it, a thin layer for what it misses in our users' mail: German and Outlook quote
// headers without an address in <>, and "… wrote:"-style attribution lines in other languages.
import EmailReplyParser from 'email-reply-parser';
import { tidyText } from './tidy-text.js';

export interface StrippedReply {
  /** The new text: quotes and signature removed. Never empty when the input had text. */
  text: string;
  /** The new text with the signature kept (talon's notion of "reply text"). */
  withSignature: string;
  /** Whether a quoted part was found and removed. */
  quoteRemoved: boolean;
  /** Whether a signature was found and removed from `text`. */
  signatureRemoved: boolean;
}

/**
 * The reply parser's regexes are super-linear on some inputs (≈1.5 s for 30k lines), so only the
 * head of a long mail is examined. The new part of a reply is at the top; when no quote starts
 * within the head, the whole text is returned unchanged.
 */
const MAX_EXAMINED_CHARS = 100_000;

/** Attribution and header lines are short; longer lines are never examined by our regexes (which keeps them linear). */
const MAX_HEADER_LINE = 400;

/** Lines that open a quoted message the library does not recognise (tested per line, unquoted). */
const QUOTE_OPENERS: readonly RegExp[] = [
  // "-----Ursprüngliche Nachricht-----", "----- Original Message -----" (any number of dashes)
  /^\s*-{2,}\s*(ursprüngliche nachricht|originalnachricht|original message|original-nachricht|message d'origine|mensaje original|messaggio originale)\s*-*\s*$/i,
];

/** "Am 07.05.2012 08:10, schrieb Martin:" / "Am Mo., 3. Mai 2021 um 10:00 Uhr schrieb Max <m@x.de>:" */
const GERMAN_ATTRIBUTION = /^\s*am\s.*\d.*\bschrieb\b.*:\s*$/i;

/**
 * Outlook's header block: "Von: …" followed within three lines by "Gesendet:"/"Datum:". Only the
 * date line counts as confirmation: "From: Berlin / To: Munich" in a customer's text is not a quote.
 */
const OUTLOOK_FROM = /^\s*\*?(von|from|de|da|van)\s?:\*?\s*\S/i;
const OUTLOOK_DATE = /^\s*\*?(gesendet|sent|datum|date|envoyé|enviado|inviato|verzonden|data|fecha)\s?:\*?\s*\S/i;

/** Separator lines Outlook and Lotus put above the header block; they belong to the quote. */
const SEPARATOR_LINE = /^\s*(_{5,}|-{5,}|={5,})\s*$/;
const LOTUS_HEADER = /\S.*\s---\s.+\s---\s*$/;

/**
 * Verbs of "X wrote:" attribution lines, for languages the library has no pattern for. Letter
 * lookarounds instead of \b, which only knows ASCII letters (and so never matches "написал").
 */
const ATTRIBUTION_VERB =
  /(?<!\p{L})(wrote|schrieb|a écrit|escribió|ha scritto|scritto|escreveu|schreef|skrev|kirjoitti|napisał|pisze|написал|написала|написал\(а\)|írta|napsal|yazdı)(?!\p{L})|写道|작성|のメッセージ/iu;
const DATE_OR_TIME = /\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}/;
const EMAIL_LIKE = /[^\s<>"]+@[^\s<>"]+/;

/** Strips quoted text and the signature from a plain-text mail body. */
export function stripReply(input: string): StrippedReply {
  const text = input.replace(/\r\n?/g, '\n');
  if (text.trim() === '') return { text: '', withSignature: '', quoteRemoved: false, signatureRemoved: false };

  const lastBreak = text.lastIndexOf('\n', MAX_EXAMINED_CHARS);
  const head = text.length <= MAX_EXAMINED_CHARS ? text : text.slice(0, lastBreak > 0 ? lastBreak : MAX_EXAMINED_CHARS);
  const { lines: examinedLines, changed: ownRulesRemovedSomething } = applyOwnRules(head.split('\n'));
  const { shielded, restore } = shieldLongLines(examinedLines);

  const fragments = new EmailReplyParser().read(shielded).getFragments();
  const libraryFoundQuote = fragments.some((f) => f.isQuoted() && f.getContent().trim() !== '');
  const quoteRemoved = ownRulesRemovedSomething || libraryFoundQuote;

  // A long text without any quote in its head is taken as written (see MAX_EXAMINED_CHARS).
  if (!quoteRemoved && head.length < text.length) {
    return { text: text.trim(), withSignature: text.trim(), quoteRemoved: false, signatureRemoved: false };
  }

  const parts: { content: string; signature: boolean }[] = [];
  fragments.forEach((f, i) => {
    if (f.isQuoted()) return;
    let content = restore(f.getContent());
    // The attribution line above a quote ("… wrote:") belongs to the quote.
    const next = fragments[i + 1];
    if ((next && next.isQuoted()) || (i === fragments.length - 1 && ownRulesRemovedSomething)) {
      content = dropTrailingAttribution(content);
    }
    parts.push({ content, signature: f.isSignature() });
  });

  const withSignature = tidyText(parts.map((p) => p.content).join('\n'));
  const withoutSignature = tidyText(parts.filter((p) => !p.signature).map((p) => p.content).join('\n'));
  const signatureRemoved = parts.some((p) => p.signature && p.content.trim() !== '');

  // Never lose a mail's words: a reply that is nothing but a quote (or nothing but a signature,
  // e.g. "-- " on the first line) is shown in full rather than as an empty message.
  const fallback = text.trim();
  return {
    text: withoutSignature || withSignature || fallback,
    withSignature: withSignature || fallback,
    quoteRemoved,
    signatureRemoved: signatureRemoved && withoutSignature !== '',
  };
}

/**
 * Lines too long to be a quote header are handed to the library as short placeholders: some of its
 * regexes are super-linear in the line length (a 60 kB line "Am 1 111…" takes 20 s). A leading
 * "> " is kept so quoted long lines still count as quoted. Private-use characters mark the token.
 */
function shieldLongLines(lines: readonly string[]): { shielded: string; restore: (s: string) => string } {
  const originals = new Map<string, string>();
  const shielded = lines
    .map((line, i) => {
      if (line.length <= MAX_HEADER_LINE) return line;
      const prefix = /^[\s>]*/.exec(line)?.[0] ?? '';
      originals.set(String(i), line.slice(prefix.length));
      return `${prefix}\uE000${i}\uE001`;
    })
    .join('\n');
  const restore = (s: string): string =>
    originals.size === 0 ? s : s.replace(/\uE000(\d+)\uE001/g, (token, i: string) => originals.get(i) ?? token);
  return { shielded, restore };
}

/**
 * Our extra rules, before the library runs. An attribution line directly above a "> " block is
 * removed (the library then drops the block itself; this also handles bottom-posting, where the
 * new text is below the quote). Any other quote opener cuts the text: Outlook and Lotus quote the
 * whole history below it without "> ".
 */
function applyOwnRules(lines: readonly string[]): { lines: string[]; changed: boolean } {
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.length > MAX_HEADER_LINE || line.trimStart().startsWith('>')) {
      kept.push(line);
      continue;
    }
    const attributionLength = germanAttributionAt(lines, i);
    if (attributionLength > 0 && nextNonBlankIsQuoted(lines, i + attributionLength)) {
      i += attributionLength - 1;
      continue;
    }
    if (attributionLength > 0 || QUOTE_OPENERS.some((re) => re.test(line)) || isOutlookHeader(lines, i)) {
      dropHeaderDecoration(kept);
      return { lines: kept, changed: true };
    }
    kept.push(line);
  }
  return { lines: kept, changed: kept.length !== lines.length };
}

/** How many lines (0, 1 or 2: it may wrap) a German "Am … schrieb …:" attribution at `i` spans. */
function germanAttributionAt(lines: readonly string[], i: number): number {
  const line = lines[i] ?? '';
  if (GERMAN_ATTRIBUTION.test(line)) return 1;
  const next = lines[i + 1] ?? '';
  if (next.length <= MAX_HEADER_LINE && /^\s*am\s.*\d/i.test(line) && !line.trim().endsWith(':') && GERMAN_ATTRIBUTION.test(`${line} ${next}`)) return 2;
  return 0;
}

function nextNonBlankIsQuoted(lines: readonly string[], from: number): boolean {
  for (let j = from; j < lines.length; j++) {
    const l = lines[j] ?? '';
    if (l.trim() !== '') return l.trimStart().startsWith('>');
  }
  return false;
}

/**
 * Removes what mail clients put directly above a quoted header block: a separator line
 * ("________") and Lotus Notes' `"Name" --- Subject ---` line (blank lines in between allowed).
 */
function dropHeaderDecoration(kept: string[]): void {
  let end = kept.length;
  while (end > 0 && (kept[end - 1] ?? '').trim() === '') end--;
  const last = kept[end - 1] ?? '';
  if (end > 0 && (SEPARATOR_LINE.test(last) || LOTUS_HEADER.test(last))) kept.length = end - 1;
}

function isOutlookHeader(lines: readonly string[], i: number): boolean {
  if (!OUTLOOK_FROM.test(lines[i] ?? '')) return false;
  for (let j = i + 1; j <= i + 3 && j < lines.length; j++) {
    if (OUTLOOK_DATE.test(lines[j] ?? '')) return true;
  }
  return false;
}

/**
 * Removes an attribution ("02.04.2012 14:20 пользователь "bob" <bob@x.org> написал:") from the end
 * of a fragment. It may wrap over up to three lines; lines are taken from the bottom while they
 * look like part of it (contain a date, an address or an opener word), so "Hello" above stays.
 */
function dropTrailingAttribution(content: string): string {
  const lines = content.trimEnd().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (!last.trim().endsWith(':') || last.length > MAX_HEADER_LINE) return content;
  let start = lines.length - 1;
  while (start > 0 && lines.length - start < 3) {
    const above = lines[start - 1] ?? '';
    if (above.trim() === '' || above.length > MAX_HEADER_LINE || !(DATE_OR_TIME.test(above) || EMAIL_LIKE.test(above) || /^\s*(on|am|le|el|il|em|op|den)\s/i.test(above))) break;
    start--;
  }
  const block = lines.slice(start).join(' ');
  const isAttribution = ATTRIBUTION_VERB.test(block) || (EMAIL_LIKE.test(block) && DATE_OR_TIME.test(block));
  return isAttribution ? lines.slice(0, start).join('\n') : content;
}
