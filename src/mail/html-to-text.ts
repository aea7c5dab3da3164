// HTML mail → readable plain text for chat (SPEC §4: never pass raw HTML or script through).
// `html-to-text` does the layout (paragraphs, lists, tables, blockquotes as "> " lines so the
// quote stripper can see them); the options below only make its output safe and quiet.
import { htmlToText as convert, type FormatCallback, type HtmlToTextOptions } from 'html-to-text';
import { tidyText } from './tidy-text.js';

/** Link schemes worth showing to a reader. Anything else (javascript:, data:, vbscript:, file:, cid:…)
 * is dropped and only the link's text stays, so chat clients cannot turn it into an active link. */
const SHOWN_SCHEMES = new Set(['http:', 'https:', 'mailto:']);

/** The href to print after a link's text, or null when it must not be shown. */
function displayableHref(href: string | undefined): string | null {
  if (!href) return null;
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:"), so do we.
  const compact = href.replace(/[\p{Cc}\s]+/gu, '');
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(compact)?.[1]?.toLowerCase();
  if (!scheme || !SHOWN_SCHEMES.has(scheme)) return null;
  return scheme === 'mailto:' ? compact.slice('mailto:'.length) : href.trim();
}

/** "text (url)", the url left out when it only repeats the text or is not safe to show. */
const safeAnchor: FormatCallback = (elem, walk, builder) => {
  const href = displayableHref(elem.attribs?.href);
  let text = '';
  builder.pushWordTransform((word) => {
    text += word;
    return word;
  });
  walk(elem.children ?? [], builder);
  builder.popWordTransform();
  if (href === null || sameLink(href, text)) return;
  builder.addInline(text ? ` (${href})` : href, { noWordTransform: true });
};

/** "www.example.com" and "https://www.example.com/" say the same; printing both is noise. */
function sameLink(href: string, text: string): boolean {
  const bare = (s: string): string => s.trim().toLowerCase().replace(/^[a-z]+:(\/\/)?/, '').replace(/\/$/, '');
  return bare(href) === bare(text);
}

/** Images become their alt text; their src (cid:, data:, tracking pixels) is never useful in chat. */
const altText: FormatCallback = (elem, _walk, builder) => {
  const alt = elem.attribs?.alt?.trim();
  if (alt) builder.addInline(`[${alt}]`, { noWordTransform: true });
};

/** Table cells of layout tables: keep neighbouring cells apart ("Von: Hans", not "Von:Hans"). */
const cell: FormatCallback = (elem, walk, builder) => {
  builder.addInline(' ');
  walk(elem.children ?? [], builder);
  builder.addInline(' ');
};

const skip = { format: 'skip' } as const;

const OPTIONS: HtmlToTextOptions = {
  // Chat clients wrap themselves; hard wraps would break sentences the quote stripper reads.
  wordwrap: false,
  // The whole document, not just the first <body>: mailparser joins several HTML parts into one
  // string, and spam appends content after </html>. Head content is skipped by the selectors.
  baseElements: { selectors: [], returnDomByDefault: true },
  formatters: { safeAnchor, altText, cell },
  selectors: [
    { selector: 'a', format: 'safeAnchor' },
    { selector: 'img', format: 'altText' },
    // Content that is not meant to be read, or that only exists for scripts and styling.
    { selector: 'head', ...skip },
    { selector: 'title', ...skip },
    { selector: 'script', ...skip },
    { selector: 'style', ...skip },
    { selector: 'noscript', ...skip },
    { selector: 'template', ...skip },
    { selector: 'iframe', ...skip },
    { selector: 'object', ...skip },
    { selector: 'embed', ...skip },
    { selector: 'svg', ...skip },
    { selector: 'button', ...skip },
    { selector: 'select', ...skip },
    // Mail layout tables: one line per row, cells separated by a space.
    { selector: 'tr', format: 'block', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'td', format: 'cell' },
    { selector: 'th', format: 'cell' },
    // Headings keep the writer's capitalisation (the library upper-cases them by default).
    ...(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'] as const).map((h) => ({ selector: h, options: { uppercase: false } })),
  ],
  limits: {
    // Spam with megabytes of markup should not stall the bridge; the raw mail is kept anyway.
    maxInputLength: 4_000_000,
    ellipsis: '…',
  },
};

/** Converts mail HTML to readable text: links as "text (url)", no script/style content. */
export function htmlToText(html: string): string {
  return tidyText(convert(html, OPTIONS));
}
