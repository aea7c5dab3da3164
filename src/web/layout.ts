// The page shell and the form pieces every page uses: labelled fields with their hint and their
// error right next to them (aria-describedby, aria-invalid), and an error summary on top.
import { attr, html, type SafeHtml } from '../../adapters/web/html.js';
import { hidden } from '../../adapters/web/format.js';
import { LANGS, translator, type Lang, type Translate } from '../../adapters/web/i18n.js';

export interface Shell {
  lang: Lang;
  t: Translate;
  title: string;
  /** Customer pages or the agent console (navigation differs). */
  area: 'public' | 'console';
  /** Offer the language links (off when the setting fixes the language). */
  languageLinks: boolean;
  path: string;
  nav?: SafeHtml;
  bodyData?: Record<string, string>;
}

export function page(shell: Shell, main: SafeHtml): SafeHtml {
  const { t } = shell;
  const langLinks = shell.languageLinks
    ? html`<ul class="langs">${LANGS.map((l) =>
        l === shell.lang
          ? html`<li><span aria-current="true" lang="${l}">${translator(l)('lang.name')}</span></li>`
          : html`<li><a href="${shell.path}?lang=${l}" lang="${l}" hreflang="${l}">${translator(l)('lang.name')}</a></li>`,
      )}</ul>`
    : '';
  const data = Object.entries(shell.bodyData ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  const nav =
    shell.nav ??
    html`<nav aria-label="threaddesk"><ul><li><a href="/contact">${t('common.contact')}</a></li><li><a href="/status">${t('common.status')}</a></li></ul></nav>`;
  return html`<html lang="${shell.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${shell.title} · threaddesk</title>
<link rel="stylesheet" href="/assets/web.css">
<script src="/assets/web.js" defer></script>
</head>
<body class="area-${shell.area}"${data}>
<a class="skip" href="#main">${t('common.skip')}</a>
<header class="top"><span class="brand">threaddesk</span>${nav}${langLinks}</header>
<main id="main">
${main}
</main>
</body>
</html>`;
}

export type FieldErrors = Record<string, string>;

export function errorSummary(t: Translate, errors: FieldErrors): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div class="error-summary" role="alert" tabindex="-1" id="errors">
    <h2>${t('common.errorSummary')}</h2>
    <ul>${entries.map(([field, message]) => html`<li><a href="#f-${field}">${message}</a></li>`)}</ul>
  </div>`;
}

export function alertBox(text: string, kind: 'ok' | 'error' = 'error'): SafeHtml {
  return html`<div class="notice notice-${kind}" role="${kind === 'error' ? 'alert' : 'status'}"><p>${text}</p></div>`;
}

interface FieldSpec {
  name: string;
  label: string;
  value?: string;
  type?: 'text' | 'email' | 'password' | 'date' | 'search';
  required?: boolean;
  hint?: string;
  error?: string;
  autocomplete?: string;
  multiline?: boolean;
  inputmode?: string;
  t: Translate;
}

function describedBy(spec: { name: string; hint?: string; error?: string }): string {
  return [spec.hint ? `h-${spec.name}` : '', spec.error ? `e-${spec.name}` : ''].filter(Boolean).join(' ');
}

function labelFor(spec: { name: string; label: string; required?: boolean; t: Translate }): SafeHtml {
  return html`<label for="f-${spec.name}">${spec.label}${spec.required ? html` <span class="req">(${spec.t('common.required')})</span>` : ''}</label>`;
}

function hintAndError(spec: { name: string; hint?: string; error?: string }): SafeHtml {
  return html`${spec.hint ? html`<p class="hint" id="h-${spec.name}">${spec.hint}</p>` : ''}${spec.error ? html`<p class="field-error" id="e-${spec.name}">${spec.error}</p>` : ''}`;
}

export function field(spec: FieldSpec): SafeHtml {
  const described = describedBy(spec);
  const common = html`id="f-${spec.name}" name="${spec.name}"${attr('required', !!spec.required)}${spec.error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : ''}`;
  const control = spec.multiline
    ? html`<textarea ${common} rows="8">${spec.value ?? ''}</textarea>`
    : html`<input ${common} type="${spec.type ?? 'text'}" value="${spec.value ?? ''}"${spec.inputmode ? html` inputmode="${spec.inputmode}"` : ''}>`;
  return html`<div class="field${spec.error ? ' has-error' : ''}">${labelFor(spec)}${hintAndError(spec)}${control}</div>`;
}

export function selectField(spec: Omit<FieldSpec, 'type' | 'multiline'> & { options: { value: string; label: string }[]; placeholder?: string }): SafeHtml {
  const described = describedBy(spec);
  return html`<div class="field${spec.error ? ' has-error' : ''}">${labelFor(spec)}${hintAndError(spec)}
    <select id="f-${spec.name}" name="${spec.name}"${attr('required', !!spec.required)}${spec.error ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
      ${spec.placeholder !== undefined ? html`<option value="">${spec.placeholder}</option>` : ''}
      ${spec.options.map((o) => html`<option value="${o.value}"${attr('selected', o.value === spec.value)}>${o.label}</option>`)}
    </select></div>`;
}

export function checkboxField(spec: { name: string; label: string; checked: boolean; error?: string }): SafeHtml {
  return html`<div class="field field-check${spec.error ? ' has-error' : ''}">
    <input type="checkbox" id="f-${spec.name}" name="${spec.name}" value="yes"${attr('checked', spec.checked)}${spec.error ? html` aria-invalid="true" aria-describedby="e-${spec.name}"` : ''}>
    <label for="f-${spec.name}">${spec.label}</label>${spec.error ? html`<p class="field-error" id="e-${spec.name}">${spec.error}</p>` : ''}</div>`;
}

export function fileField(spec: { name: string; label: string; hint: string; error?: string }): SafeHtml {
  const described = describedBy(spec);
  return html`<div class="field${spec.error ? ' has-error' : ''}"><label for="f-${spec.name}">${spec.label}</label>${hintAndError(spec)}
    <input type="file" id="f-${spec.name}" name="${spec.name}" multiple${spec.error ? html` aria-invalid="true"` : ''} aria-describedby="${described}"></div>`;
}

export function formStart(action: string, csrf: string, options: { multipart?: boolean; id?: string } = {}): SafeHtml {
  return html`<form method="post" action="${action}"${options.multipart ? html` enctype="multipart/form-data"` : ''}${options.id ? html` id="${options.id}"` : ''} novalidate>${hidden('_csrf', csrf)}`;
}
