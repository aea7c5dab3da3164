// The one intake pipeline (SMTP listener, IMAP, import): raw RFC 822 bytes → parsed → recorded
// once → matched → stored through the ticket use cases, in ONE transaction together with the
// raw mail, the Message-ID ledger row, the automatic mails' outbox rows and (IMAP) the
// mailbox checkpoint. So a crash at any moment leaves either all of it or none of it.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/create-db.js';
import type { TicketContext } from '../tickets/context.js';
import { allocateTicketNumber } from '../tickets/create-ticket.js';
import { detectBounce, isBulk } from './classify.js';
import { claimInbound, completeInbound, recordInbound, writeCheckpoint, type InboundOutcome } from './mail-ledger.js';
import { matchTicket, type TicketMatch } from './matching.js';
import { parseMail } from './parse-mail.js';
import type { MailSettings } from './settings.js';
import { storeBounce, storeNewTicket, storeOnTicket, storeRefusal, type StepResult } from './intake-steps.js';
import type { TicketNumberBlocks } from './ticket-numbers.js';
import type { ParsedMail } from './types.js';

export type IntakeSource = 'smtp' | 'imap' | 'import';

export interface IntakeEnvelope {
  source: IntakeSource;
  /** SMTP RCPT TO addresses (they choose the department). */
  recipients?: string[];
  /** SMTP MAIL FROM, used when the mail itself names no sender. */
  mailFrom?: string | null;
  /** The department of the IMAP mailbox the mail came from. */
  departmentId?: string;
  /** Written in the same transaction as the stored mail (IMAP: UIDVALIDITY + last UID). */
  checkpoint?: { key: string; value: Record<string, unknown> };
}

export interface IntakeResult {
  outcome: InboundOutcome | 'duplicate';
  ticketNumber: string | null;
  /** The history entry the mail became (customer message or note). */
  messageRowId: number | null;
  /** Stored as a flagged note (unknown sender, bounce). */
  flagged: boolean;
  /** Why no automatic mail was sent, when one would have been. */
  autoMailSkipped?: string;
}

export interface IntakeDeps {
  tickets: TicketContext;
  settings: MailSettings;
  /** False for imports: history is rebuilt, nobody is mailed. */
  autoMail: boolean;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Numbers for new tickets in blocks (live intake); without it, one counter update per ticket. */
  numbers?: TicketNumberBlocks;
}

/** What the steps get: the transaction-bound use-case context and everything known about the mail. */
export interface IntakeStep {
  ctx: TicketContext;
  deps: IntakeDeps;
  raw: Buffer;
  parsed: ParsedMail;
  envelope: IntakeEnvelope;
  match: TicketMatch | null;
  /** Allocated before the transaction when a new ticket is likely. */
  number: string | null;
}

export async function ingestMail(deps: IntakeDeps, raw: Buffer, envelope: IntakeEnvelope): Promise<IntakeResult> {
  const base = deps.tickets;
  let parsed: ParsedMail;
  try {
    parsed = await parseMail(raw);
  } catch (err) {
    return recordUnreadable(deps, raw, envelope, err);
  }
  const messageId = parsed.messageId ?? '';

  // Matching only reads, so it runs before the transaction; a number for a new ticket is taken
  // outside it too (the day's counter row must not stay locked while the mail is stored).
  const now = mailTime(parsed, envelope, base.now());
  const match = await matchTicket(base.db, parsed, envelope.recipients ?? [], deps.settings);
  const opens = opensTicket(deps, raw, parsed, match);
  const number = !opens ? null : deps.numbers && envelope.source !== 'import' ? await deps.numbers.take(now) : await allocateTicketNumber(base, now);

  let result: StepResult | null;
  if (opens) {
    // One statement of its own: atomic without a transaction, the checkpoint included.
    result = await storeNewTicket({ ctx: { ...base, now: () => now }, deps, raw, parsed, envelope, match, number });
    if (!result) return { outcome: 'duplicate', ticketNumber: null, messageRowId: null, flagged: false };
  } else {
    try {
      result = await base.db.transaction(async (tx) => {
        const ctx: TicketContext = { ...base, db: tx as unknown as Db, now: () => now };
        const stored = await store({ ctx, deps, raw, parsed, envelope, match, number });
        // Recorded last, in one statement with the raw mail; a copy recorded before undoes it all.
        const fresh = await recordInbound(tx, { messageId, contentHash: parsed.contentHash, bulk: isBulk(parsed), outcome: stored.outcome, ticketId: stored.ticketId, messageRowId: stored.messageRowId, raw, keepRaw: stored.keepRaw ?? null });
        if (!fresh) throw new AlreadyRecorded();
        if (envelope.checkpoint) await writeCheckpoint(tx, envelope.checkpoint.key, envelope.checkpoint.value);
        return stored;
      });
    } catch (err) {
      if (!(err instanceof AlreadyRecorded)) throw err;
      result = null;
    }
  }
  if (!result) return duplicate(base.db, envelope);
  deps.logger?.info(
    { source: envelope.source, messageId, outcome: result.outcome, ticket: result.ticketNumber, route: match?.route, autoMailSkipped: result.autoMailSkipped },
    `mail intake: ${result.outcome}${result.ticketNumber ? ` #${result.ticketNumber}` : ''}`,
  );
  return {
    outcome: result.outcome,
    ticketNumber: result.ticketNumber,
    messageRowId: result.messageRowId,
    flagged: result.flagged,
    ...(result.autoMailSkipped ? { autoMailSkipped: result.autoMailSkipped } : {}),
  };
}

/** Thrown inside the transaction to roll back a mail that turned out to be recorded already. */
class AlreadyRecorded extends Error {}

/** A new ticket unless the mail is too large, a bounce, or belongs to a ticket still taking mail. */
function opensTicket(deps: IntakeDeps, raw: Buffer, parsed: ParsedMail, match: TicketMatch | null): boolean {
  if (raw.length > deps.settings.maxMessageBytes || detectBounce(parsed)) return false;
  return !match || isClosedForGood(match);
}

/** The ways a mail is stored inside the intake's transaction (all but a new ticket). */
function store(step: IntakeStep): Promise<StepResult> {
  if (step.raw.length > step.deps.settings.maxMessageBytes) return storeRefusal(step);
  const bounce = detectBounce(step.parsed);
  if (bounce) return storeBounce(step, bounce);
  if (!step.match) throw new Error('mail intake: a mail without a ticket reached the transactional path');
  return storeOnTicket(step, step.match);
}

/** Archived and deleted tickets take no more mail: a customer writing again gets a new ticket. */
function isClosedForGood(match: TicketMatch): boolean {
  return match.ticket.status === 'archived' || match.ticket.status === 'deleted';
}

/**
 * When the history entry happened: now, except for imports, which rebuild history at the mail's
 * own date (never in the future, so a wrong clock in a mail cannot reorder today's work).
 */
function mailTime(parsed: ParsedMail, envelope: IntakeEnvelope, now: Date): Date {
  if (envelope.source !== 'import' || !parsed.date) return now;
  return parsed.date.getTime() < now.getTime() ? parsed.date : now;
}

async function duplicate(db: Db, envelope: IntakeEnvelope): Promise<IntakeResult> {
  if (envelope.checkpoint) await writeCheckpoint(db, envelope.checkpoint.key, envelope.checkpoint.value);
  return { outcome: 'duplicate', ticketNumber: null, messageRowId: null, flagged: false };
}

/**
 * A mail mailparser cannot read at all is kept whole in the ledger (keyed by its hash) for an
 * admin to look at, and the mailbox moves on: one broken mail must not block the ones after it.
 */
export async function recordUnreadable(deps: IntakeDeps, raw: Buffer, envelope: IntakeEnvelope, err: unknown): Promise<IntakeResult> {
  const contentHash = createHash('sha256').update(raw).digest('hex');
  await deps.tickets.db.transaction(async (tx) => {
    const id = await claimInbound(tx, { messageId: '', contentHash, bulk: false });
    if (id !== null) await completeInbound(tx, id, { outcome: 'unreadable', raw });
    if (envelope.checkpoint) await writeCheckpoint(tx, envelope.checkpoint.key, envelope.checkpoint.value);
  });
  deps.logger?.error({ source: envelope.source, contentHash, err: err instanceof Error ? err.message : String(err) }, 'mail intake: a mail could not be stored; it is kept in mail_messages (outcome unreadable)');
  return { outcome: 'unreadable', ticketNumber: null, messageRowId: null, flagged: false };
}
