// Reading historic mail for `threaddesk import`: mbox files (mboxrd/mboxo, "From " separators)
// and Maildir directories (cur/ and new/). Mails come back oldest first, so replies are
// imported after what they answer and threads are rebuilt as they happened.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DomainError } from '../domain/errors.js';

export interface MailFile {
  /** Where it came from, for messages: "inbox.mbox#12" or the Maildir file name. */
  label: string;
  raw: Buffer;
}

/** Splits an mbox into mails, undoing the ">From " quoting of mboxrd (and mboxo's, which is the same for unquoted lines). */
export function readMbox(file: string): MailFile[] {
  if (!existsSync(file) || !statSync(file).isFile()) throw new DomainError('not_found', `No mbox file at ${file}.`);
  const text = readFileSync(file).toString('latin1'); // byte-preserving: latin1 maps each byte to one char
  const starts: number[] = [];
  const separator = /^From [^\r\n]*\r?\n/gm;
  for (let m = separator.exec(text); m; m = separator.exec(text)) starts.push(m.index);
  if (starts.length === 0) throw new DomainError('invalid_value', `${file} is not an mbox file: no "From " line starts a mail.`);
  const mails = starts.map((start, i) => {
    const body = text.slice(start, starts[i + 1] ?? text.length).replace(/^From [^\r\n]*\r?\n/, '');
    const unquoted = body.replace(/^>(>*From )/gm, '$1').replace(/\r?\n$/, '\n');
    return { label: `${path.basename(file)}#${i + 1}`, raw: Buffer.from(unquoted, 'latin1') };
  });
  return oldestFirst(mails);
}

export function readMaildir(dir: string): MailFile[] {
  const folders = ['cur', 'new'].map((f) => path.join(dir, f)).filter((f) => existsSync(f));
  if (folders.length === 0) throw new DomainError('not_found', `${dir} is not a Maildir: it has neither cur/ nor new/.`);
  const mails = folders.flatMap((folder) =>
    readdirSync(folder)
      .filter((name) => !name.startsWith('.'))
      .map((name) => ({ label: name, raw: readFileSync(path.join(folder, name)) })),
  );
  return oldestFirst(mails);
}

/** By the Date header (stable: mails without one keep their place relative to each other, at the end). */
function oldestFirst(mails: MailFile[]): MailFile[] {
  const dated = mails.map((m, i) => ({ m, i, t: dateOf(m.raw) }));
  dated.sort((a, b) => (a.t ?? Infinity) - (b.t ?? Infinity) || a.i - b.i);
  return dated.map((d) => d.m);
}

function dateOf(raw: Buffer): number | null {
  const head = raw.subarray(0, 16 * 1024).toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
  const value = /^Date:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head)?.[1]?.replace(/\s+/g, ' ');
  const t = value ? Date.parse(value.replace(/\s*\([^)]*\)\s*$/, '')) : NaN;
  return Number.isNaN(t) ? null : t;
}
