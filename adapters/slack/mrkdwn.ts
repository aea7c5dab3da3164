// Our Markdown → Slack mrkdwn, with `marked` (maintained, linear-time) parsing and this renderer
// writing Slack's dialect. Why not slackify-markdown: its Node 20 line (4.x) takes seconds on a
// long paragraph (its GFM parser is quadratic: 60 kB took 13 s, blocking every Slack ack), and
// 5.x requires Node 22.
//
// Every piece of text is escaped here (`&`, `<`, `>`), raw HTML included, so nothing a customer
// writes can become a Slack control sequence (`<!channel>`, `<@U…>`) or a link we did not build.
import { Marked, type RendererObject, type Tokens } from 'marked';

/** Slack's three control characters (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Slack only applies *bold* at word boundaries; a zero-width space makes hel**l**o work too.
const ZW = '\u200B';

/** A link target Slack may get: http(s) or mailto, normalised, with nothing that ends the token. */
function safeUrl(href: string): string | null {
  try {
    const url = new URL(href);
    if (!['http:', 'https:', 'mailto:'].includes(url.protocol)) return null;
    return escapeMrkdwn(url.href.replace(/\|/g, '%7C'));
  } catch {
    return null;
  }
}

function linkToken(href: string, label: string): string {
  const url = safeUrl(href);
  if (!url) return label || escapeMrkdwn(href);
  const plainLabel = label.replace(/\|/g, '¦');
  return plainLabel && plainLabel !== url ? `<${url}|${plainLabel}>` : `<${url}>`;
}

function indent(text: string, prefix: string): string {
  return text.split('\n').map((line) => (line ? `${prefix}${line}` : line)).join('\n');
}

const renderer: RendererObject<string, string> = {
  space: () => '',
  def: () => '',
  hr: () => '───\n\n',
  html: ({ text }) => escapeMrkdwn(text), // raw HTML is shown as the text it is
  code: ({ text }) => `\`\`\`\n${escapeMrkdwn(text)}\n\`\`\`\n\n`,
  codespan: ({ text }) => `\`${escapeMrkdwn(text)}\``,
  br: () => '\n',
  checkbox: ({ checked }) => (checked ? '☑ ' : '☐ '),
  text(token) {
    return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : escapeMrkdwn(token.text);
  },
  paragraph({ tokens }) {
    return `${this.parser.parseInline(tokens)}\n\n`;
  },
  heading({ tokens }) {
    return `*${this.parser.parseInline(tokens)}*\n\n`;
  },
  strong({ tokens }) {
    return `${ZW}*${this.parser.parseInline(tokens)}*${ZW}`;
  },
  em({ tokens }) {
    return `${ZW}_${this.parser.parseInline(tokens)}_${ZW}`;
  },
  del({ tokens }) {
    return `${ZW}~${this.parser.parseInline(tokens)}~${ZW}`;
  },
  link({ href, tokens }) {
    return linkToken(href, this.parser.parseInline(tokens));
  },
  image({ href, text }) {
    return linkToken(href, escapeMrkdwn(text));
  },
  blockquote({ tokens }) {
    return `${indent(this.parser.parse(tokens).trim(), '> ')}\n\n`;
  },
  list(token: Tokens.List) {
    const start = typeof token.start === 'number' ? token.start : 1;
    const items = token.items.map((item, i) => {
      const bullet = token.ordered ? `${start + i}. ` : '• ';
      // Render the item's blocks one by one: a tight item's text has no trailing newline of its
      // own, so a nested list would otherwise run into it.
      let checkbox = '';
      const parts: string[] = [];
      for (const child of item.tokens) {
        if (child.type === 'checkbox') checkbox = child.checked ? '☑ ' : '☐ ';
        else parts.push(this.parser.parse([child]).trim());
      }
      return bullet + checkbox + parts.filter(Boolean).join('\n').replace(/\n/g, '\n    ');
    });
    return `${items.join('\n')}\n\n`;
  },
  listitem(item) {
    return this.parser.parse(item.tokens);
  },
  table(token: Tokens.Table) {
    // Slack has no tables: one line per row, cells separated by a bar.
    const row = (cells: Tokens.TableCell[]) => cells.map((c) => this.parser.parseInline(c.tokens)).join(' | ');
    return `${[`*${row(token.header)}*`, ...token.rows.map(row)].join('\n')}\n\n`;
  },
  tablerow: ({ text }) => text,
  tablecell(token) {
    return this.parser.parseInline(token.tokens);
  },
};

const marked = new Marked<string, string>({ gfm: true, breaks: false, async: false, renderer });

/**
 * Slack shows at most 40,000 characters of a message, and Markdown parsers have inputs that cost
 * superlinear time (40 kB of `*` takes marked about 2.5 s), so longer input is cut first.
 */
export const MAX_MARKDOWN_INPUT = 40_000;

export function markdownToMrkdwn(markdown: string): string {
  const input = markdown.length > MAX_MARKDOWN_INPUT ? markdown.slice(0, MAX_MARKDOWN_INPUT) : markdown;
  try {
    const out = marked.parse(input, { async: false });
    return out.replace(/\n{3,}/g, '\n\n').trim();
  } catch {
    // marked recurses per nesting level; thousands of `>` overflow the stack. Such text is not
    // formatting anyone meant, so it is shown as plain (escaped) text.
    return escapeMrkdwn(input).trim();
  }
}
