// A whole threaddesk server in the test process (embedded PGlite in a temp dir, HTTP on a free
// port, SMTP listener on a free port), so tests can read the database as well as the pages.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../../src/config/load-config.js';
import { readEnv } from '../../../src/config/env.js';
import { startThreaddesk, type Threaddesk } from '../../../src/main.js';

export interface InProcess {
  td: Threaddesk;
  url: string;
  stop(): Promise<void>;
}

export async function startInProcess(config: unknown, env: Record<string, string> = {}): Promise<InProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'threaddesk-web-'));
  const td = await startThreaddesk({
    env: readEnv({ PORT: '0', HOST: '127.0.0.1', THREADDESK_DATA: dir, LOG_LEVEL: 'silent', SMTP_LISTEN: '127.0.0.1:0', ...env }),
    config: parseConfig(config, 'test config'),
    logger: pino({ level: 'silent' }),
  });
  return {
    td,
    url: `http://127.0.0.1:${td.port}`,
    async stop() {
      await td.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser's cookie jar for fetch: keeps Set-Cookie values and sends them back. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.header());
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(res);
    return res;
  }
}

/** The value of a hidden input in a page. */
export function hiddenValue(page: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(page);
  if (!m) throw new Error(`no hidden field ${name} in the page`);
  return m[1]!;
}
