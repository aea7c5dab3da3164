// The whole journey in headless Chromium against the real `threaddesk start` (built dist/), with
// mail captured locally: contact form → ticket live in the console → reply from the console →
// the mail captured with threading headers → the customer opens the status link and replies →
// the reply appears live in the console. Also: a wrong login code is refused, a note never
// reaches the status page. Screenshots of every page go to test-output/web/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServer } from '../servers/availability.js';
import { cleanupCli, sandbox, startServer, type RunningServer } from '../support/cli.js';
import { forbidDialogs, launchChromium, screenshot } from './support/browser.js';
import { WEB_TEST_CONFIG } from './support/config.js';

const ADMIN = 'admin@verein.test';
const SUBJECT = 'Laptop für Schulkind';
const NOTE = 'Nur intern: Familie ist bekannt';

describeWithServer('chromium', 'web journey in a browser', () => {
  let server: RunningServer;
  let browser: Browser;
  let agent: BrowserContext;
  let customer: BrowserContext;
  let console_: Page;
  let number = '';
  let statusPath = '';
  const dialogs: string[] = [];

  const stderr = () => server.output().stderr;
  const lastCode = () => [...stderr().matchAll(/login code for admin@verein\.test: (\d{6})/g)].at(-1)?.[1];

  beforeAll(async () => {
    const sb = sandbox({ config: stringify(WEB_TEST_CONFIG), env: { SMTP_LISTEN: '127.0.0.1:0' } });
    server = await startServer(sb);
    browser = await launchChromium();
    agent = await browser.newContext({ locale: 'de-DE', extraHTTPHeaders: { 'accept-language': 'de-DE,de;q=0.9' } });
    customer = await browser.newContext({ locale: 'de-DE', extraHTTPHeaders: { 'accept-language': 'de-DE,de;q=0.9' } });
    console_ = await agent.newPage();
    forbidDialogs(console_, dialogs);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await cleanupCli();
  });

  it('logs the admin in with the printed first password and the mailed code; a wrong code is refused', async () => {
    const password = /First login:\s+admin@verein\.test\s+password: (\S+)/.exec(stderr())?.[1];
    expect(password, `banner:\n${stderr()}`).toBeDefined();
    await console_.goto(`${server.url}/console`);
    expect(console_.url()).toContain('/login');
    await screenshot(console_, '01-login');
    await console_.getByLabel('E-Mail-Adresse').fill(ADMIN);
    await console_.getByLabel('Passwort').fill(password!);
    await console_.getByRole('button', { name: 'Weiter' }).click();
    await console_.waitForURL(/\/login\/code$/);
    await expect.poll(lastCode, { timeout: 10_000 }).toMatch(/^\d{6}$/);
    const code = lastCode()!;
    await console_.getByLabel('Anmeldecode').fill(code === '000000' ? '111111' : '000000');
    await console_.getByRole('button', { name: 'Anmelden' }).click();
    await expect.poll(() => console_.locator('#e-code').textContent()).toContain('Der Code ist falsch');
    await screenshot(console_, '02-login-wrong-code');
    await console_.getByLabel('Anmeldecode').fill(code);
    await console_.getByRole('button', { name: 'Anmelden' }).click();
    await console_.waitForURL(/\/console$/);
    await expect.poll(() => console_.locator('#live-state').textContent()).toContain('Live');
    await screenshot(console_, '03-console-empty');
  });

  it('takes the contact form and shows the new ticket in the console without a reload', async () => {
    const page = await customer.newPage();
    forbidDialogs(page, dialogs);
    await page.goto(`${server.url}/contact`);
    await page.getByLabel('Ihr Name').fill('Erika Mustermann');
    await page.getByLabel('Ihre E-Mail-Adresse').fill('erika@example.test');
    await page.getByLabel('Worum geht es?').selectOption('donation-request');
    // The topic's fields appear only once the topic is chosen.
    await expect.poll(() => page.getByLabel('Laptop').isVisible()).toBe(true);
    await page.getByLabel('Laptop').check();
    await page.getByLabel('Berechtigungsnachweis').selectOption('ja');
    await page.getByLabel('Wer soll antworten (z. B. Ihr Standort)?').selectOption('berlin');
    await page.getByLabel('Betreff').fill(SUBJECT);
    await page.getByLabel('Ihre Nachricht').fill('Unsere Tochter braucht einen Laptop für die Schule.');
    await page.getByLabel('Anhänge (optional)').setInputFiles({ name: 'bescheid.txt', mimeType: 'text/plain', buffer: Buffer.from('Bescheid') });
    await screenshot(page, '04-contact-filled');
    await page.getByRole('button', { name: 'Absenden' }).click();
    await page.waitForURL(/\/contact\/thanks$/);
    const thanks = (await page.locator('main').textContent()) ?? '';
    number = /#(\d+)/.exec(thanks)![1]!;
    await screenshot(page, '05-contact-thanks');
    await page.close();

    await console_.getByRole('link', { name: SUBJECT }).waitFor({ timeout: 15_000 });
    await screenshot(console_, '06-console-live-ticket');
  });

  it('replies and notes from the console; the reply is mailed with threading headers', async () => {
    await console_.getByRole('link', { name: SUBJECT }).click();
    await console_.waitForURL(new RegExp(`/console/t/${number}$`));
    await expect.poll(() => console_.locator('.card').textContent()).toContain(SUBJECT);
    const composer = console_.getByLabel('In diesem Ticket schreiben');
    await composer.fill(`note: ${NOTE}`);
    await console_.locator('form.composer').getByRole('button', { name: 'Senden' }).click();
    await console_.locator('#history .body', { hasText: NOTE }).waitFor();
    await composer.fill('Guten Tag, wir haben einen Laptop für Sie. Viele Grüße');
    await console_.locator('form.composer').getByRole('button', { name: 'Senden' }).click();
    await console_.locator('#history .body', { hasText: 'wir haben einen Laptop für Sie' }).waitFor();
    await expect.poll(() => console_.locator('.card').textContent(), { timeout: 10_000 }).toContain('in_progress');
    await screenshot(console_, '07-console-ticket-replied');

    const mailbox = await agent.newPage();
    await expect
      .poll(
        async () => {
          await mailbox.goto(`${server.url}/console/mailbox`);
          return mailbox.locator('article.mail', { hasText: 'wir haben einen Laptop für Sie' }).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    const reply = mailbox.locator('article.mail', { hasText: 'wir haben einen Laptop für Sie' });
    const replyText = (await reply.textContent()) ?? '';
    expect(replyText).toContain(`[#${number}]`);
    expect(replyText).toMatch(/in-reply-to\s*<[^>]+>/);
    expect(replyText).toMatch(/references\s*<[^>]+>/);
    const ack = mailbox.locator('article.mail', { hasText: 'Wir haben Ihre Anfrage erhalten' }).first();
    statusPath = /\/t\/[\w.-]+/.exec((await ack.textContent()) ?? '')![0];
    await screenshot(mailbox, '08-mailbox');
    await mailbox.close();
  });

  it('lets the customer read the history (never the note) and reply; the reply appears live in the console', async () => {
    const page = await customer.newPage();
    forbidDialogs(page, dialogs);
    await page.goto(`${server.url}${statusPath}`);
    await expect.poll(() => page.locator('main').textContent()).toContain('wir haben einen Laptop für Sie');
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).toContain('Unsere Tochter braucht einen Laptop');
    expect(text).not.toContain(NOTE);
    expect(text).not.toContain('opened the ticket');
    await screenshot(page, '09-status-link');
    await page.getByLabel('Ihre Nachricht').fill('Vielen Dank! Wann kann ich ihn abholen?');
    await page.getByLabel('Anhänge (optional)').setInputFiles({ name: 'termin.txt', mimeType: 'text/plain', buffer: Buffer.from('Dienstag') });
    await page.getByRole('button', { name: 'Antwort senden' }).click();
    await page.getByText('Ihre Nachricht wurde zum Ticket hinzugefügt.').waitFor();
    await screenshot(page, '10-status-replied');
    await page.close();

    await console_.locator('#history .body', { hasText: 'Wann kann ich ihn abholen?' }).waitFor({ timeout: 15_000 });
    await console_.locator('#history').getByRole('link', { name: 'termin.txt' }).waitFor();
    await screenshot(console_, '11-console-customer-reply-live');
  });

  it('serves the status request form', async () => {
    const page = await customer.newPage();
    await page.goto(`${server.url}/status`);
    await page.getByLabel('Ticketnummer').fill(number);
    await page.getByLabel('Ihre E-Mail-Adresse').fill('erika@example.test');
    await page.getByRole('button', { name: 'Link senden' }).click();
    await page.getByText('Falls ein Ticket mit dieser Nummer').waitFor();
    await screenshot(page, '12-status-request');
    await page.close();
    expect(dialogs).toEqual([]);
  });
});
