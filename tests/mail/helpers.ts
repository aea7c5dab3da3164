import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMail } from '../../src/mail/index.js';
import type { ParsedMail } from '../../src/mail/index.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Shared third-party fixtures, next to the checkout on the dev machine and in CI, absent in a user's clone. */
export const fixturesDir = path.resolve(projectRoot, '../shared/fixtures/mail');
export const samplesDir = path.resolve(projectRoot, 'tests/mail/samples');

export function sample(name: string): Promise<ParsedMail> {
  return parseMail(readFileSync(path.join(samplesDir, name)));
}

/** For comparing text across converters: NFKC, no whitespace, no invisible characters. */
export function squash(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\s\u00ad\u200b-\u200f\u2060\ufeff]+/g, '')
    .toLowerCase();
}

/** Whitespace runs collapsed to one space, ends trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
