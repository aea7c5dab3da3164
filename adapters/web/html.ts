// Server-side HTML with escaping by default: every interpolated value in an `html` template is
// escaped unless it is itself the result of `html` (or `raw`, for trusted constant markup). A
// subject like `<script>` or a `javascript:` link therefore always reaches the page as text.

const SAFE = Symbol('safe-html');

export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

export const isSafeHtml = (v: unknown): v is SafeHtml => typeof v === 'object' && v !== null && SAFE in v;

/** Marks trusted markup (constants written in this code base, never user input). */
export function raw(value: string): SafeHtml {
  return { [SAFE]: true, value };
}

export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isSafeHtml(v)) return v.value;
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return raw(out);
}

/** Plain text with line breaks kept (CSS `white-space: pre-wrap` does the rest); never markup. */
export function textBlock(text: string): SafeHtml {
  return raw(escapeHtml(text));
}

/** A boolean attribute: `${attr('checked', on)}` renders ` checked` or nothing. */
export function attr(name: string, on: boolean): SafeHtml {
  return raw(on ? ` ${name}` : '');
}
