// Login (password, then the emailed code) and the invite page that sets a password.
import { html, type SafeHtml } from '../../adapters/web/html.js';
import { hidden } from '../../adapters/web/format.js';
import { alertBox, errorSummary, field, formStart, page, type FieldErrors } from './layout.js';
import type { PublicView } from './customer-pages.js';

const shell = (v: PublicView, title: string, path: string) => ({ lang: v.lang, t: v.t, title, area: 'console' as const, languageLinks: v.languageLinks, path, nav: html`` });

export function loginPage(v: PublicView, m: { email?: string; next?: string; error?: string; notice?: string }): SafeHtml {
  const { t } = v;
  return page(
    shell(v, t('login.title'), '/login'),
    html`<h1>${t('login.title')}</h1>
      ${m.notice ? alertBox(m.notice, 'ok') : ''}
      ${m.error ? alertBox(m.error) : ''}
      ${formStart('/login', v.csrf, { id: 'login-form' })}${hidden('next', m.next ?? '')}
        ${field({ name: 'email', label: t('login.email'), type: 'email', value: m.email, required: true, autocomplete: 'username', t })}
        ${field({ name: 'password', label: t('login.password'), type: 'password', required: true, autocomplete: 'current-password', t })}
        <button type="submit" class="btn btn-primary">${t('login.submit')}</button>
      </form>`,
  );
}

export function codePage(v: PublicView, m: { email: string; error?: string; terminal: boolean }): SafeHtml {
  const { t } = v;
  const errors: FieldErrors = m.error ? { code: m.error } : {};
  return page(
    shell(v, t('login.codeTitle'), '/login/code'),
    html`<h1>${t('login.codeTitle')}</h1>
      <p>${t('login.codeIntro', { email: m.email })}</p>
      ${m.terminal ? html`<p class="hint">${t('login.codeTerminal')}</p>` : ''}
      ${errorSummary(t, errors)}
      ${formStart('/login/code', v.csrf, { id: 'code-form' })}
        ${field({ name: 'code', label: t('login.code'), required: true, error: errors.code, autocomplete: 'one-time-code', inputmode: 'numeric', t })}
        <button type="submit" class="btn btn-primary">${t('login.codeSubmit')}</button>
      </form>
      <p><a href="/login">${t('login.restart')}</a></p>`,
  );
}

export function invitePage(v: PublicView, m: { token: string; name: string; errors?: FieldErrors; invalid?: boolean }): SafeHtml {
  const { t } = v;
  if (m.invalid) return page(shell(v, t('login.inviteTitle'), '/login'), html`<h1>${t('login.inviteTitle')}</h1>${alertBox(t('login.inviteInvalid'))}`);
  const errors = m.errors ?? {};
  return page(
    shell(v, t('login.inviteTitle'), `/invite/${m.token}`),
    html`<h1>${t('login.inviteTitle')}</h1><p>${m.name}</p>
      ${errorSummary(t, errors)}
      ${formStart(`/invite/${m.token}`, v.csrf, { id: 'invite-form' })}
        ${field({ name: 'password', label: t('login.newPassword'), type: 'password', required: true, hint: t('login.passwordHint'), error: errors.password, autocomplete: 'new-password', t })}
        ${field({ name: 'repeat', label: t('login.repeatPassword'), type: 'password', required: true, error: errors.repeat, autocomplete: 'new-password', t })}
        <button type="submit" class="btn btn-primary">${t('login.setSubmit')}</button>
      </form>`,
  );
}
