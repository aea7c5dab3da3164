// Logging in to the console over HTTP (password, then the mailed code read from the outbox).
import { and, desc, eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Db } from '../../../src/db/create-db.js';
import { agents, outbox } from '../../../src/db/schema.js';
import { hashPassword } from '../../../src/web/passwords.js';
import { CookieJar, hiddenValue } from './in-process.js';

export async function setPassword(db: Db, email: string, password: string): Promise<void> {
  await db.update(agents).set({ passwordHash: await hashPassword(password) }).where(eq(agents.email, email));
}

/** The newest login code mailed to `email`. */
export async function lastLoginCode(db: Db, email: string): Promise<string | null> {
  const [row] = await db
    .select()
    .from(outbox)
    .where(and(eq(outbox.kind, 'mail.auto'), sql`${outbox.payload}->>'purpose' = 'login_code'`, sql`${outbox.payload}->>'to' = ${email}`))
    .orderBy(desc(outbox.id))
    .limit(1);
  return row ? (/\b(\d{6})\b/.exec(String(row.payload.text))?.[1] ?? null) : null;
}

export async function postForm(jar: CookieJar, url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return jar.fetch(url, { method: 'POST', body: new URLSearchParams(fields), headers });
}

/** Password step; returns the response of POST /login. */
export async function passwordStep(base: string, jar: CookieJar, email: string, password: string): Promise<Response> {
  const page = await (await jar.fetch(`${base}/login`)).text();
  return postForm(jar, `${base}/login`, { _csrf: hiddenValue(page, '_csrf'), email, password, next: '' });
}

export async function codeStep(base: string, jar: CookieJar, code: string): Promise<Response> {
  const page = await (await jar.fetch(`${base}/login/code`)).text();
  return postForm(jar, `${base}/login/code`, { _csrf: hiddenValue(page, '_csrf'), code });
}

export async function logIn(base: string, db: Db, email: string, password: string): Promise<CookieJar> {
  const jar = new CookieJar();
  const res = await passwordStep(base, jar, email, password);
  expect(res.status, 'password accepted').toBe(303);
  const code = await lastLoginCode(db, email);
  const done = await codeStep(base, jar, code!);
  expect(done.status, 'code accepted').toBe(303);
  expect(done.headers.get('location')).toBe('/console');
  return jar;
}
