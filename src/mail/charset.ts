// Repairs header text that a mail client wrote as raw 8-bit bytes instead of MIME-encoding it
// (common in Chinese spam and old FoxMail/Outlook: `filename="<GB2312 bytes>"`). mailparser reads
// such bytes as UTF-8 (top-level headers, lossy) or Latin-1 (parameters, lossless); the mail's
// declared charset is the best guess for what they really are.

/** A charset the mail declares (top-level Content-Type first, then the first part that names one). */
export function declaredCharset(raw: Buffer, topLevel: string | undefined): string | null {
  if (topLevel && decoderFor(topLevel)) return topLevel;
  // Only the head of the mail: a part header naming a charset comes early, and this stays cheap.
  const head = raw.subarray(0, 256 * 1024).toString('latin1');
  for (const m of head.matchAll(/charset\s*=\s*"?([A-Za-z0-9._:-]+)/gi)) {
    const name = m[1];
    if (name && decoderFor(name)) return name;
  }
  return null;
}

function decoderFor(charset: string): TextDecoder | null {
  try {
    return new TextDecoder(charset.trim().toLowerCase(), { fatal: true });
  } catch {
    return null;
  }
}

function decodeStrict(bytes: Buffer, charset: string): string | null {
  const decoder = decoderFor(charset);
  if (!decoder) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * A parameter value (e.g. a filename) that mailparser decoded as Latin-1 from raw 8-bit bytes:
 * re-decoded as UTF-8 or the declared charset. Only when those exact bytes occur in the raw mail,
 * so a name that really was Latin-1 (properly encoded as `=?iso-8859-1?…` or RFC 2231) is left alone.
 */
export function repairLatin1Param(value: string, raw: Buffer, charset: string | null): string {
  // Only chars U+0080–U+00FF beyond ASCII can be misread bytes; anything above was decoded properly.
  if (!/[\u0080-\u00ff]/.test(value) || /[\u0100-\uffff]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  if (!raw.includes(bytes)) return value;
  return decodeStrict(bytes, 'utf-8') ?? (charset ? decodeStrict(bytes, charset) : null) ?? value;
}

/**
 * A header value mailparser decoded as UTF-8 although it was raw bytes of another charset (it then
 * contains U+FFFD). `rawLine` is mailparser's header line, which holds the bytes as Latin-1.
 */
export function repairUtf8Header(value: string, rawLine: string | undefined, charset: string | null): string {
  if (!value.includes('\uFFFD') || !rawLine || !charset) return value;
  const unfolded = rawLine.replace(/^[^:]*:\s*/, '').replace(/\r?\n[ \t]+/g, ' ');
  // Encoded words mixed with raw bytes are beyond a guess; keep mailparser's reading.
  if (unfolded.includes('=?')) return value;
  const decoded = decodeStrict(Buffer.from(unfolded, 'latin1'), charset);
  return decoded && !decoded.includes('\uFFFD') ? decoded.trim() : value;
}
