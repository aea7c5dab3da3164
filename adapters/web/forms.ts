// Reading a submitted form the same way whether the browser sent it urlencoded or as multipart
// (with files). Files are buffered up to a total limit; past it the rest is drained unread and
// the form says so, so the page can show the error next to the file field instead of failing.
import type { FastifyRequest } from 'fastify';
import type {} from '@fastify/multipart';
import type { UploadedFile } from './adapter.js';

export interface SubmittedForm {
  fields: Record<string, string>;
  /** Every value of fields that occur more than once (checkbox groups). */
  all: Record<string, string[]>;
  files: UploadedFile[];
  /** The files together were larger than the limit (none of them is kept then). */
  tooLarge: boolean;
}

export interface FormLimits {
  maxFileBytes: number;
  maxFiles?: number;
}

/** A file name as the browser sent it, without directories or control characters. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return cleaned || 'attachment';
}

function add(form: SubmittedForm, name: string, value: string): void {
  if (!(name in form.fields)) form.fields[name] = value;
  (form.all[name] ??= []).push(value);
}

export async function readForm(req: FastifyRequest, limits: FormLimits): Promise<SubmittedForm> {
  const form: SubmittedForm = { fields: Object.create(null) as Record<string, string>, all: Object.create(null) as Record<string, string[]>, files: [], tooLarge: false };
  if (!req.isMultipart?.()) {
    const body = (req.body ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(body)) {
      for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string') add(form, name, v);
    }
    return form;
  }
  let total = 0;
  const parts = req.parts({ limits: { fileSize: limits.maxFileBytes + 1, files: limits.maxFiles ?? 20, fields: 200, fieldSize: 1024 * 1024 }, throwFileSizeLimit: false } as Parameters<typeof req.parts>[0]);
  for await (const part of parts) {
    if (part.type === 'field') {
      if (typeof part.value === 'string') add(form, part.fieldname, part.value);
      continue;
    }
    if (!part.filename) {
      part.file.resume();
      continue;
    }
    if (form.tooLarge) {
      part.file.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of part.file) {
      total += (chunk as Buffer).length;
      if (total > limits.maxFileBytes) {
        form.tooLarge = true;
        continue; // keep reading so the request completes
      }
      chunks.push(chunk as Buffer);
    }
    if (part.file.truncated) form.tooLarge = true;
    if (form.tooLarge) continue;
    const content = Buffer.concat(chunks);
    if (content.length === 0 && !part.filename.trim()) continue;
    form.files.push({ filename: cleanFilename(part.filename), contentType: part.mimetype || 'application/octet-stream', content });
  }
  if (form.tooLarge) form.files = [];
  return form;
}

/** The same-site path to return to after a form, never an absolute URL elsewhere. */
export function safeBack(value: string | undefined, fallback: string): string {
  return value && /^\/(?![/\\])[\w\-./%?=&#@:+~]*$/.test(value) ? value : fallback;
}
