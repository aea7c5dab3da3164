// Serving a stored attachment so that it can never run in our origin: always a download, a
// content type from a short list of harmless ones (HTML, SVG, scripts become octet-stream), and
// a sandboxing Content-Security-Policy in case a browser renders it anyway.
import type { FastifyReply } from 'fastify';

const INERT_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/csv', 'application/zip']);

export function sendAttachment(reply: FastifyReply, file: { filename: string; contentType: string; content: Buffer | null }): FastifyReply {
  const type = file.contentType.split(';')[0]!.trim().toLowerCase();
  const ascii = file.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return reply
    .header('content-type', INERT_TYPES.has(type) ? type : 'application/octet-stream')
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'private, no-store')
    .send(file.content ?? Buffer.alloc(0));
}
