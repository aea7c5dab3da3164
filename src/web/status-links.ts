// Links to a customer's ticket page: `/t/<token>`, the token signed with the server secret and
// carrying the ticket's secret (≥128 bits, from the tickets table), the address it was sent to
// and an expiry. Without a valid, unexpired token nothing about a ticket is shown. The mail
// bridge uses `statusUrl` for the link in its acknowledgements.
import { eq } from 'drizzle-orm';
import type { Queryable } from '../db/create-db.js';
import { tickets } from '../db/schema.js';
import { loadServerSecret } from './agent-store.js';
import { signToken, verifyToken } from './tokens.js';

export interface StatusLinkClaims {
  /** The ticket's secret. */
  s: string;
  /** Who the link was sent to: replies through it are from this address. */
  e: string;
}

export function statusToken(secret: Buffer, ticketSecret: string, email: string, expiresAt: Date): string {
  return signToken(secret, 'status', { s: ticketSecret, e: email.trim().toLowerCase() }, expiresAt);
}

export function readStatusToken(secret: Buffer, token: string, now: Date): StatusLinkClaims | null {
  const claims = verifyToken<Record<string, unknown>>(secret, 'status', token, now);
  if (!claims || typeof claims.s !== 'string' || typeof claims.e !== 'string') return null;
  return { s: claims.s, e: claims.e };
}

export function statusPath(secret: Buffer, ticketSecret: string, email: string, expiresAt: Date): string {
  return `/t/${statusToken(secret, ticketSecret, email, expiresAt)}`;
}

/**
 * The full link for a ticket's requester (or another address on the ticket), valid for `days`.
 * For callers outside the web capability (the mail bridge's acknowledgement).
 */
export async function statusUrl(q: Queryable, input: { ticketId: number; email: string; publicUrl: string; days: number; now?: Date }): Promise<string> {
  const secret = await loadServerSecret(q);
  const [t] = await q.select({ secret: tickets.secret }).from(tickets).where(eq(tickets.id, input.ticketId));
  if (!t) throw new Error(`statusUrl: no ticket ${input.ticketId}`);
  const expires = new Date((input.now ?? new Date()).getTime() + input.days * 86_400_000);
  return `${input.publicUrl.replace(/\/+$/, '')}${statusPath(secret, t.secret, input.email, expires)}`;
}
