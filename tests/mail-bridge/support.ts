// Shared pieces of the mail-bridge tests: a config with an internal address and a muted
// "rejected requests" department, a builder for small hand-written mails, and database probes.
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../src/db/create-db.js';
import { contacts, mailMessages, messages, outbox, tickets } from '../../src/db/schema.js';
import { ingestMail, type IntakeEnvelope, type IntakeResult } from '../../src/mail/intake.js';
import { mailSettings, type MailSettings } from '../../src/mail/settings.js';
import type { DbHarness } from '../support/databases.js';

export const MAIL_TEST_CONFIG = {
  agents: [
    { email: 'alice@example.org', name: 'Alice', role: 'agent' },
    { email: 'admin@example.org', name: 'Ada Admin', role: 'admin' },
  ],
  departments: [
    { id: 'support', name: 'Support', emails: ['support@example.org'], members: [{ agent: 'alice@example.org', access: 'write' }] },
    { id: 'berlin', name: 'Berlin site', emails: ['berlin@example.org'], internal: true, members: [{ agent: 'alice@example.org', access: 'write' }] },
    { id: 'rejected', name: 'Rejected requests', emails: [], muted: true, members: [{ agent: 'alice@example.org', access: 'read' }] },
  ],
  mail: {
    publicUrl: 'https://help.example.org',
    maxMessageBytes: 4096,
    autoReplyLimitPerHour: 3,
    rejected: { department: 'rejected', answer: 'Please use the contact form.', allow: ['landlord@partner.example', '@friends.example'] },
  },
};

export interface MailSpec {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
  body?: string;
  date?: string;
}

let counter = 0;

/** A small RFC 822 mail; every call gets a fresh Message-ID unless one is given (null = none). */
export function buildMail(spec: MailSpec = {}): Buffer {
  counter += 1;
  const id = spec.messageId === undefined ? `m${Date.now().toString(36)}.${counter}@customer.example` : spec.messageId;
  const lines = [
    `From: ${spec.from ?? 'Carla Customer <carla@customer.example>'}`,
    `To: ${spec.to ?? 'support@example.org'}`,
    ...(spec.cc ? [`Cc: ${spec.cc}`] : []),
    `Subject: ${spec.subject ?? 'Printer on floor 2 is jammed'}`,
    `Date: ${spec.date ?? 'Mon, 23 Nov 2026 10:00:00 +0000'}`,
    ...(id ? [`Message-ID: <${id}>`] : []),
    ...(spec.inReplyTo ? [`In-Reply-To: <${spec.inReplyTo}>`] : []),
    ...(spec.references ? [`References: ${spec.references}`] : []),
    ...Object.entries(spec.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    spec.body ?? 'Hello, the printer shows error E42 since this morning.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

export function messageIdOf(raw: Buffer): string {
  return /^Message-ID: <([^>]+)>/im.exec(raw.toString('latin1'))![1]!;
}

export function intake(h: DbHarness, settings: MailSettings, raw: Buffer, envelope: Partial<IntakeEnvelope> = {}, autoMail = true): Promise<IntakeResult> {
  return ingestMail({ tickets: h.tickets, settings, autoMail }, raw, { source: 'smtp', ...envelope });
}

export function settingsOf(h: DbHarness): MailSettings {
  return mailSettings(h.config, 3000);
}

export async function ticketByNumber(db: Db, number: string) {
  const [t] = await db.select().from(tickets).where(eq(tickets.number, number));
  return t!;
}

export async function historyOf(db: Db, number: string) {
  const t = await ticketByNumber(db, number);
  return db.select().from(messages).where(eq(messages.ticketId, t.id)).orderBy(asc(messages.id));
}

export async function autoMailsTo(db: Db, address: string) {
  const rows = await db.select().from(outbox).where(and(eq(outbox.sink, 'mail'), eq(outbox.kind, 'mail.auto'))).orderBy(asc(outbox.id));
  return rows.filter((r) => r.payload.to === address);
}

export async function contactByEmail(db: Db, email: string) {
  const [c] = await db.select().from(contacts).where(eq(contacts.email, email));
  return c ?? null;
}

export async function ticketCount(db: Db): Promise<number> {
  return (await db.select({ id: tickets.id }).from(tickets)).length;
}

/** Pretends the sink sent a mail for the ticket: a ledger row with our Message-ID. */
export async function pretendSent(db: Db, ticketId: number, messageId: string): Promise<void> {
  await db.insert(mailMessages).values({ direction: 'out', messageId, ticketId, outcome: 'auto' });
}
