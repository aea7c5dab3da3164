// Small header helpers that work on raw header text, for the headers mailparser does not keep
// raw (repeated ones, embedded messages' headers, Message-ID lists).
import type { MailHeaders } from './types.js';

/**
 * Headers that loop protection (RFC 3834) and bounce detection read. Kept raw on ParsedMail so
 * the policy can be re-evaluated later from stored data.
 */
export const LOOP_HEADER_NAMES = [
  'auto-submitted',
  'precedence',
  'list-id',
  'list-unsubscribe',
  'list-post',
  'x-autoreply',
  'x-autorespond',
  'x-auto-response-suppress',
  'x-loop',
  'return-path',
  'sender',
  'x-failed-recipients',
  'x-postfix-queue-id',
] as const;

/** "Name: value\r\n folded" → "value folded". */
export function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return (colon === -1 ? '' : line.slice(colon + 1)).replace(/\r?\n[ \t]+/g, ' ').trim();
}

/** Lower-cased name → values for the named headers that occur in `lines` (mailparser's headerLines). */
export function collectHeaders(lines: ReadonlyArray<{ key: string; line: string }>, names: readonly string[]): MailHeaders {
  const wanted = new Set(names);
  const out: Record<string, string[]> = {};
  for (const { key, line } of lines) {
    if (!wanted.has(key)) continue;
    (out[key] ??= []).push(headerValue(line));
  }
  return out;
}

/** Message-IDs from a Message-ID / In-Reply-To / References value, without angle brackets. */
export function parseMessageIds(value: string | readonly string[] | undefined | null): string[] {
  if (value === undefined || value === null) return [];
  const text = typeof value === 'string' ? value : value.join(' ');
  const bracketed = [...text.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1] ?? '').filter(Boolean);
  if (bracketed.length > 0) return dedupe(bracketed);
  // Some clients drop the brackets; accept bare tokens that look like ids.
  return dedupe(text.split(/[\s,]+/).filter((t) => /^[^\s<>]+@[^\s<>]+$/.test(t)));
}

function dedupe(ids: string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Header-style field blocks separated by empty lines, as lower-cased name → values. For
 * message/delivery-status bodies (RFC 3464: one per-message block, then one block per recipient).
 */
export function parseFieldBlocks(text: string): Map<string, string[]>[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => {
      const fields = new Map<string, string[]>();
      for (const field of block.split(/\n(?![ \t])/)) {
        const m = /^([!-9;-~]+):/.exec(field.trim());
        if (!m?.[1]) continue;
        const name = m[1].toLowerCase();
        fields.set(name, [...(fields.get(name) ?? []), headerValue(field)]);
      }
      return fields;
    })
    .filter((fields) => fields.size > 0);
}
