// Signed, expiring tokens (sessions, invites, status links, CSRF) and the one-time login code,
// all derived from one server secret with HMAC-SHA256. Nothing here touches the database, so
// the tokens need no table: what makes one invalid (expiry, a changed password, a used code)
// is part of what was signed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TokenPurpose = 'session' | 'login' | 'invite' | 'status' | 'csrf';

function mac(secret: Buffer, purpose: string, body: string): Buffer {
  // The purpose is part of the MAC input, so a token made for one use never passes as another.
  return createHmac('sha256', secret).update(`${purpose}\n${body}`).digest();
}

export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const x = Buffer.isBuffer(a) ? a : Buffer.from(a);
  const y = Buffer.isBuffer(b) ? b : Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `base64url(json).base64url(hmac)`; `exp` is seconds since the epoch. */
export function signToken(secret: Buffer, purpose: TokenPurpose, payload: Record<string, unknown>, expiresAt: Date): string {
  const body = Buffer.from(JSON.stringify({ ...payload, exp: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
  return `${body}.${mac(secret, purpose, body).toString('base64url')}`;
}

/** The payload of a valid, unexpired token of this purpose, else null. */
export function verifyToken<T extends Record<string, unknown>>(secret: Buffer, purpose: TokenPurpose, token: string | undefined, now: Date): (T & { exp: number }) | null {
  if (!token || token.length > 4096) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  if (!safeEqual(given, mac(secret, purpose, body))) return null;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { exp: number };
    if (typeof payload.exp !== 'number' || payload.exp * 1000 <= now.getTime()) return null;
    return payload;
  } catch {
    return null;
  }
}

/**
 * A short fingerprint of an agent's password hash. Sessions and invites carry it, so setting a
 * new password ends every session and spends the invite that set it.
 */
export function passwordFingerprint(secret: Buffer, passwordHash: string | null): string {
  return mac(secret, 'pwfp', passwordHash ?? '').subarray(0, 9).toString('base64url');
}

export const CODE_STEP_SECONDS = 600;

/**
 * The 6-digit login code for a time step: HMAC over the agent, the password hash and the time
 * of the agent's last web login — so a code stops working once it has been used (the login
 * moves that time) and when the password changes.
 */
export function loginCode(secret: Buffer, agentId: number, passwordHash: string, lastLogin: string, step: number): string {
  const digest = mac(secret, 'code', `${agentId}\n${passwordHash}\n${lastLogin}\n${step}`);
  return String(digest.readUInt32BE(0) % 1_000_000).padStart(6, '0');
}

export const codeStep = (now: Date): number => Math.floor(now.getTime() / 1000 / CODE_STEP_SECONDS);

/** Accepts the code of the current and the previous step (so a code is good for 10–20 minutes). */
export function checkLoginCode(secret: Buffer, agentId: number, passwordHash: string, lastLogin: string, given: string, now: Date): boolean {
  const code = given.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code)) return false;
  const step = codeStep(now);
  let ok = false;
  // Both comparisons always run: the time taken does not tell which step matched.
  for (const s of [step, step - 1]) ok = safeEqual(loginCode(secret, agentId, passwordHash, lastLogin, s), code) || ok;
  return ok;
}

/** The CSRF token for a browser's `td_csrf` cookie (double submit, signed so it cannot be forged). */
export function csrfToken(secret: Buffer, cookieValue: string): string {
  return mac(secret, 'csrf', cookieValue).toString('base64url');
}

export function checkCsrf(secret: Buffer, cookieValue: string | undefined, given: unknown): boolean {
  if (!cookieValue || typeof given !== 'string' || given.length > 200) return false;
  return safeEqual(csrfToken(secret, cookieValue), given);
}

export const newCookieSecret = (): string => randomBytes(24).toString('base64url');
