// Ticket numbers (SPEC §2): `{date}{seq:6}` by default, optionally with a prefix. The sequence
// is per day; numbers are unique and never reused, gaps are allowed.

export interface NumberFormat {
  prefix: string;
  format: string;
}

/** The counter scope a number belongs to: the date part, so the sequence restarts every day. */
export function counterScope(format: NumberFormat, now: Date): string {
  return format.format.includes('{date}') ? `ticket:${yyyymmdd(now)}` : 'ticket';
}

export function formatNumber(format: NumberFormat, now: Date, seq: number): string {
  const body = format.format
    .replace('{date}', yyyymmdd(now))
    .replace(/\{seq(?::(\d+))?\}/, (_m, width: string | undefined) => String(seq).padStart(Number(width ?? 1), '0'));
  return `${format.prefix}${body}`;
}

export function validateFormat(format: string): string | null {
  if (!/\{seq(?::\d+)?\}/.test(format)) return 'must contain {seq} or {seq:N}';
  if (/[^A-Za-z0-9{}:\-_./]/.test(format.replace(/\{(date|seq(:\d+)?)\}/g, ''))) return 'may only contain letters, digits, - _ . / and the {date}/{seq:N} placeholders';
  return null;
}

function yyyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}
