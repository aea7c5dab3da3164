// The one intake pipeline (SMTP listener, IMAP, import): raw RFC 822 bytes → parsed → recorded
// once → matched → stored. Everything about one mail (the ticket change, the raw mail, the
// Message-ID ledger row, the automatic mails' outbox rows and, from IMAP, the mailbox
// checkpoint) commits together: a new ticket in one statement (new-ticket-statement.ts), any
// other mail in one transaction through the ticket use cases. So a crash at any moment leaves
// either all of it or none of it.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/create-db.js';
import type { TicketContext } from '../tickets/context.js';
import { allocateTicketNumber } from '../tickets/create-ticket.js';
import { detectBounce, isBulk } from './classify.js';
import { claimInbound, completeInbound, recordInbound, writeCheckpoint, type InboundOutcome } from './mail-ledger.js';
import { matchTicket, namedTickets, threadingIds, type TicketMatch } from './matching.js';
import { parseMail } from './parse-mail.js';
import type { MailSettings } from './settings.js';
import { storeBounce, storeNewTicket, storeOnTicket, storeRefusal, type StepResult } from './intake-steps.js';
import type { NewTicketBatcher } from './new-ticket-batcher.js';
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
  /** Group commit for new tickets (live intake); without it, one statement per mail. */
  newTickets?: Pick<NewTicketBatcher, 'write'>;
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
  const now = mailTime(parsed, envelope, base.now());
  const recipients = envelope.recipients ?? [];
  // A number for a new ticket is taken outside any transaction: the day's counter row must not
  // stay locked while the mail is stored. (A number taken for a mail that then threads is a gap.)
  let number: string | null = null;
  const mayOpen = mayOpenTicket(deps, raw, parsed);

  // Most live mail names no ticket (no [#number], no plus-address), so it opens one unless its
  // headers thread it: then the header match runs inside the new ticket's statement, one round
  // trip instead of two. A mail that does thread writes nothing there and goes the way below.
  // Imports are mostly replies and rebuild history: they match first and waste no numbers.
  if (envelope.source !== 'import' && mayOpen && namedTickets(parsed, recipients, deps.settings).length === 0) {
    number = await takeNumber(deps, envelope, now);
    const stored = await storeNewTicket({ ctx: { ...base, now: () => now }, deps, raw, parsed, envelope, match: null, number }, threadingIds(parsed));
    if (stored !== 'threaded') return reported(deps, envelope, messageId, null, stored);
  }

  // Matching only reads, so it runs before the transaction.
  const match = await matchTicket(base.db, parsed, recipients, deps.settings);
  if (mayOpen && (!match || isClosedForGood(match))) {
    number ??= await takeNumber(deps, envelope, now);
    // One statement of its own: atomic without a transaction, the checkpoint included.
    const stored = await storeNewTicket({ ctx: { ...base, now: () => now }, deps, raw, parsed, envelope, match, number });
    if (stored === 'threaded') throw new Error('mail intake: a new ticket without Message-IDs to check reported a thread');
    return reported(deps, envelope, messageId, match, stored);
  }

  let result: StepResult | null;
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
  if (!result) return duplicate(base.db, envelope);
  return reported(deps, envelope, messageId, match, result);
}

function takeNumber(deps: IntakeDeps, envelope: IntakeEnvelope, now: Date): Promise<string> {
  return deps.numbers && envelope.source !== 'import' ? deps.numbers.take(now) : allocateTicketNumber(deps.tickets, now);
}

/** Logs what became of a stored mail and says it to the caller ('duplicate': recorded before, checkpoint written). */
function reported(deps: IntakeDeps, envelope: IntakeEnvelope, messageId: string, match: TicketMatch | null, result: StepResult | 'duplicate'): IntakeResult {
  if (result === 'duplicate') return { outcome: 'duplicate', ticketNumber: null, messageRowId: null, flagged: false };
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

/** Too large and bounces never open a ticket; any other mail does unless it belongs to a ticket still taking mail. */
function mayOpenTicket(deps: IntakeDeps, raw: Buffer, parsed: ParsedMail): boolean {
  return raw.length <= deps.settings.maxMessageBytes && !detectBounce(parsed);
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
