// Hostile input, from the contact form and from a mail: `<script>`, `javascript:` links, event
// handlers and broken HTML must show as inert text on every page that shows them — the console
// list, the ticket page, the captured mailbox and the customer's status page.
import nodemailer from 'nodemailer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServer } from '../servers/availability.js';
import { cleanupCli, sandbox, startServer, type RunningServer } from '../support/cli.js';
import { activeContent, forbidDialogs, launchChromium, logInThroughPages, screenshot } from './support/browser.js';
import { WEB_TEST_CONFIG } from './support/config.js';

const FORM_SUBJECT = `<script>alert('subject')</script> Hilfe [x](javascript:alert(1))`;
const FORM_MESSAGE = `Bitte <a href="javascript:alert('msg')">klick</a> <img src=x onerror="alert('img')"> <b>kaputt <i <svg onload=alert(4)> "quoted' & done`;
const MAIL_SUBJECT = `<img src=x onerror=alert('mailsubject')> Drucker`;
const MAIL_HTML = `<html><body><script>alert('mail')</script><p onclick="alert(5)">Hallo</p><a href="javascript:alert('maillink')">hier</a><iframe src="javascript:alert(6)"></iframe><b>offen <table><tr><td>zelle`;

describeWithServer('chromium', 'hostile input renders as inert text', () => {
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];

  async function expectInert(name: string): Promise<void> {
    await screenshot(page, name);
    expect(await activeContent(page)).toEqual({ scripts: ['/assets/web.js'], javascriptLinks: 0, embedded: 0, handlers: 0 });
    expect(dialogs).toEqual([]);
  }

  beforeAll(async () => {
    const sb = sandbox({ config: stringify(WEB_TEST_CONFIG), env: { SMTP_LISTEN: '127.0.0.1:0' } });
    server = await startServer(sb);
    browser = await launchChromium();
    context = await browser.newContext({ extraHTTPHeaders: { 'accept-language': 'en' } });
    page = await context.newPage();
    forbidDialogs(page, dialogs);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await cleanupCli();
  });

  it('takes a hostile form submission and a hostile HTML mail', async () => {
    await page.goto(`${server.url}/contact`);
    await page.getByLabel('Your name').fill(`<img src=x onerror="alert('name')">`);
    await page.getByLabel('Your email address').fill('mallory@example.test');
    await page.getByLabel('What is it about?').selectOption('general');
    await page.getByLabel('Who should answer').selectOption('berlin');
    await page.getByLabel('Subject').fill(FORM_SUBJECT);
    await page.getByLabel('Your message').fill(FORM_MESSAGE);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/contact\/thanks$/);
    await expectInert('20-hostile-thanks');

    const port = Number(/SMTP listener on 127\.0\.0\.1:(\d+)/.exec(server.output().stderr)?.[1]);
    expect(port).toBeGreaterThan(0);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'Mallory <mallory@example.test>', to: 'berlin@verein.test', subject: MAIL_SUBJECT, html: MAIL_HTML });
    transport.close();
  });

  it('shows both in the console list and ticket pages as text', async () => {
    const password = /First login:\s+admin@verein\.test\s+password: (\S+)/.exec(server.output().stderr)![1]!;
    await logInThroughPages(page, server.url, 'admin@verein.test', password, () => server.output().stderr);
    await page.goto(`${server.url}/console?view=all`);
    await page.getByText("<script>alert('subject')</script>", { exact: false }).first().waitFor();
    await page.getByText("<img src=x onerror=alert('mailsubject')> Drucker").first().waitFor({ timeout: 15_000 });
    await expectInert('21-hostile-console-list');

    await page.getByRole('link', { name: /Hilfe \[x\]/ }).click();
    await page.locator('#history .body', { hasText: 'klick' }).waitFor();
    expect(await page.locator('#history .msg-customer .body').first().textContent()).toBe(FORM_MESSAGE);
    expect(await page.locator('.card .subject').textContent()).toBe(FORM_SUBJECT);
    await expectInert('22-hostile-form-ticket');

    await page.goto(`${server.url}/console?view=all`);
    await page.getByRole('link', { name: /Drucker/ }).first().click();
    await page.locator('#history .msg-customer').first().waitFor();
    const body = (await page.locator('#history .msg-customer .body').first().textContent()) ?? '';
    expect(body).toContain('Hallo');
    await expectInert('23-hostile-mail-ticket');
  });

  it('keeps the captured mailbox and the customer status page inert too', async () => {
    await page.goto(`${server.url}/console/mailbox`);
    await page.locator('article.mail', { hasText: 'mallory@example.test' }).first().waitFor();
    await expectInert('24-hostile-mailbox');
    const ackText = (await page.locator('article.mail', { hasText: 'Hilfe [x]' }).first().textContent()) ?? '';
    const statusPath = /\/t\/[\w.-]+/.exec(ackText)![0];
    const customer = await context.browser()!.newContext();
    const status = await customer.newPage();
    forbidDialogs(status, dialogs);
    await status.goto(`${server.url}${statusPath}`);
    expect(await status.locator('.msg-customer .body').first().textContent()).toBe(FORM_MESSAGE);
    await screenshot(status, '25-hostile-status-page');
    expect(await activeContent(status)).toEqual({ scripts: ['/assets/web.js'], javascriptLinks: 0, embedded: 0, handlers: 0 });
    expect(dialogs).toEqual([]);
    await customer.close();
  });
});
