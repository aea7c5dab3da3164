// Interface language: German and English, chosen by the `web.language` setting, else the visitor's
// choice (a cookie set by the language links), else `Accept-Language`, else the default.
import { DE } from './i18n-de.js';
import { EN, type MessageKey } from './i18n-en.js';

export type Lang = 'de' | 'en';
export const LANGS: readonly Lang[] = ['de', 'en'];
export type { MessageKey };

const TABLES: Record<Lang, Record<MessageKey, string>> = { de: DE, en: EN };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(lang: Lang): Translate {
  const table = TABLES[lang];
  return (key, vars) => {
    const text = table[key] ?? EN[key];
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
}

export const isLang = (v: unknown): v is Lang => v === 'de' || v === 'en';

/** The best of our languages for an `Accept-Language` header (q-values respected), or null. */
export function fromAcceptLanguage(header: string | undefined): Lang | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.tag && Number.isFinite(r.q) && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranked) {
    const primary = r.tag.split('-')[0];
    if (isLang(primary)) return primary;
  }
  return null;
}

export interface LanguageSetting {
  /** `auto` lets the visitor's browser (or choice) decide; `de`/`en` fixes the language. */
  language: 'auto' | Lang;
  defaultLanguage: Lang;
}

export function chooseLanguage(setting: LanguageSetting, request: { acceptLanguage?: string; cookie?: string }): Lang {
  if (setting.language !== 'auto') return setting.language;
  if (isLang(request.cookie)) return request.cookie;
  return fromAcceptLanguage(request.acceptLanguage) ?? setting.defaultLanguage;
}
