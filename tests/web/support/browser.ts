// Headless Chromium (Debian's, found like availability.ts finds it) driven by playwright-core,
// and screenshots under test-output/web/ for a person to look at.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from '../../servers/availability.js';
import { REPO_ROOT } from '../../support/cli.js';

export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'web');

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('chromium not found');
  // launch() gives every run a fresh temporary user-data-dir of its own.
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Fails the test when any script of ours or an injected one opens a dialog. */
export function forbidDialogs(page: Page, seen: string[]): void {
  page.on('dialog', (d) => {
    seen.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
}

/** Logs an agent in through the pages, reading the login code the server prints (SMTP_URL unset). */
export async function logInThroughPages(page: Page, base: string, email: string, password: string, stderr: () => string): Promise<void> {
  const codes = () => [...stderr().matchAll(new RegExp(`login code for ${email.replace(/[.]/g, '\\.')}: (\\d{6})`, 'g'))].map((m) => m[1]);
  const before = codes().length;
  await page.goto(`${base}/login`);
  await page.locator('#f-email').fill(email);
  await page.locator('#f-password').fill(password);
  await page.locator('#login-form button[type=submit]').click();
  await page.waitForURL(/\/login\/code$/);
  const deadline = Date.now() + 10_000;
  while (codes().length === before) {
    if (Date.now() > deadline) throw new Error(`no login code printed for ${email}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await page.locator('#f-code').fill(codes().at(-1)!);
  await page.locator('#code-form button[type=submit]').click();
  await page.waitForURL(/\/console$/);
}

export interface ActiveContent {
  scripts: (string | null)[];
  javascriptLinks: number;
  embedded: number;
  handlers: number;
}

/** What on the page could run code: scripts, javascript: links, embedded media, on* attributes. */
export function activeContent(page: Page): Promise<ActiveContent> {
  return page.evaluate(() => ({
    scripts: [...document.scripts].map((s) => s.getAttribute('src')),
    javascriptLinks: [...document.querySelectorAll('a[href], form[action]')].filter((e) => /^\s*javascript:/i.test(e.getAttribute('href') ?? e.getAttribute('action') ?? '')).length,
    embedded: document.querySelectorAll('img, svg, iframe, object, embed, video, audio').length,
    handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.toLowerCase().startsWith('on'))).length,
  }));
}
