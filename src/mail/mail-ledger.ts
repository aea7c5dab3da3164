// The mail bridge's own tables: the Message-ID ledger (threading and exactly-once intake),
// checkpoints of IMAP mailboxes, and the per-recipient log of automatic mails.
import { and, asc, eq, sql } from 'drizzle-orm';
import { queryRows, queryRowsPrepared, type Queryable } from '../db/create-db.js';
import { checkpoints, mailMessages } from '../db/schema.js';
import { makeMessageId } from './addresses.js';

export type InboundOutcome = 'created' | 'appended' | 'bounce' | 'refused' | 'rejected' | 'unmatched' | 'unreadable';

/**
 * Records an inbound mail by (Message-ID, content hash). Returns the ledger row id, or null when
 * that mail was recorded before (a redelivery). On PostgreSQL a concurrent copy waits for the
 * first transaction and then finds the row, so two deliveries racing are still recorded once.
 */
export async function claimInbound(q: Queryable, mail: { messageId: string; contentHash: string; bulk: boolean }): Promise<number | null> {
  const [row] = await q
    .insert(mailMessages)
    .values({ direction: 'in', messageId: mail.messageId, contentHash: mail.contentHash, bulk: mail.bulk, outcome: 'pending' })
    .onConflictDoNothing({ target: [mailMessages.messageId, mailMessages.contentHash] })
    .returning({ id: mailMessages.id });
  return row?.id ?? null;
}

/**
 * Records an inbound mail with what became of it, and its raw bytes beside the history entry,
 * in one statement at the end of the intake's transaction. Returns false when the same mail
 * (Message-ID and content hash) is already recorded — then the caller rolls everything back.
 * On PostgreSQL a concurrent copy waits here for the first one's commit, then sees it.
 */
export async function recordInbound(
  q: Queryable,
  mail: { messageId: string; contentHash: string; bulk: boolean; outcome: InboundOutcome; ticketId: number | null; messageRowId: number | null; raw: Buffer; keepRaw: Buffer | null },
): Promise<boolean> {
  const rows = await queryRows<{ id: number }>(
    q,
    sql`with ledger as (
          insert into mail_messages (direction, message_id, content_hash, ticket_id, message_row_id, outcome, bulk, raw)
          values ('in', ${mail.messageId}, ${mail.contentHash}, ${mail.ticketId}, ${mail.messageRowId}, ${mail.outcome}, ${mail.bulk}, ${mail.keepRaw}::bytea)
          on conflict (message_id, content_hash) do nothing
          returning id
        ), stored as (
          insert into raw_mails (message_id, raw, content_hash)
          select ${mail.messageRowId}::int, ${mail.raw}::bytea, ${mail.contentHash} from ledger where ${mail.messageRowId}::int is not null
          returning 1
        )
        select id from ledger`,
  );
  return rows.length > 0;
}

export async function completeInbound(
  q: Queryable,
  id: number,
  result: { outcome: InboundOutcome; ticketId?: number | null; messageRowId?: number | null; raw?: Buffer | null },
): Promise<void> {
  await q
    .update(mailMessages)
    .set({ outcome: result.outcome, ticketId: result.ticketId ?? null, messageRowId: result.messageRowId ?? null, raw: result.raw ?? null })
    .where(eq(mailMessages.id, id));
}

/** Which ledger rows a reply threads to: mails that became part of a ticket; bulk mail never threads. */
export const THREADS_TO_TICKET = sql`ticket_id is not null and not bulk`;

/** The ticket of the first of `ids` (in the order given) that we sent or received; bulk mail never threads. */
export async function ticketIdForMessageIds(q: Queryable, ids: readonly string[]): Promise<number | null> {
  const wanted = ids.filter((id) => id !== '');
  if (wanted.length === 0) return null;
  // Runs for every inbound mail: one statement text whatever the number of ids, so it is prepared once.
  const rows = await queryRowsPrepared<{ message_id: string; ticket_id: number }>(
    q,
    sql`select message_id, ticket_id from mail_messages
        where message_id in (select jsonb_array_elements_text(${JSON.stringify(wanted)}::jsonb))
          and ${THREADS_TO_TICKET}`,
  );
  for (const id of wanted) {
    const hit = rows.find((r) => r.message_id === id);
    if (hit?.ticket_id) return hit.ticket_id;
  }
  return null;
}

/**
 * The Message-ID of an outbound mail, generated and committed before the first send attempt and
 * returned unchanged on every retry, so a second copy after a crash carries the same id.
 */
export async function reserveOutboundId(
  q: Queryable,
  row: { outboxId: number; ticketId: number | null; messageRowId: number | null; outcome: string; domain: string },
): Promise<string> {
  await q
    .insert(mailMessages)
    .values({
      direction: 'out',
      messageId: makeMessageId(row.domain),
      outboxId: row.outboxId,
      ticketId: row.ticketId,
      messageRowId: row.messageRowId,
      outcome: row.outcome,
    })
    .onConflictDoNothing({ target: mailMessages.outboxId });
  const [stored] = await q.select({ messageId: mailMessages.messageId }).from(mailMessages).where(eq(mailMessages.outboxId, row.outboxId));
  return stored!.messageId;
}

/**
 * Threading headers for a mail on a ticket: In-Reply-To the latest customer mail (else the latest
 * mail of the thread), References the thread's ids, first one kept and the recent ones after it.
 */
export async function threadHeaders(q: Queryable, ticketId: number, exclude: string): Promise<{ inReplyTo: string | null; references: string[] }> {
  const rows = await q
    .select({ messageId: mailMessages.messageId, direction: mailMessages.direction, outcome: mailMessages.outcome })
    .from(mailMessages)
    .where(and(eq(mailMessages.ticketId, ticketId), eq(mailMessages.bulk, false), sql`${mailMessages.messageId} <> ''`))
    .orderBy(asc(mailMessages.id));
  const ids = rows.filter((r) => r.messageId !== exclude);
  const customer = ids.filter((r) => r.direction === 'in' && (r.outcome === 'created' || r.outcome === 'appended'));
  const inReplyTo = customer.at(-1)?.messageId ?? ids.at(-1)?.messageId ?? null;
  const all = [...new Set(ids.map((r) => r.messageId))];
  const references = all.length > 20 ? [all[0]!, ...all.slice(-19)] : all;
  return { inReplyTo, references };
}

export async function readCheckpoint<T extends Record<string, unknown>>(q: Queryable, key: string): Promise<T | null> {
  const [row] = await q.select({ value: checkpoints.value }).from(checkpoints).where(eq(checkpoints.key, key));
  return (row?.value as T | undefined) ?? null;
}

export async function writeCheckpoint(q: Queryable, key: string, value: Record<string, unknown>): Promise<void> {
  await q
    .insert(checkpoints)
    .values({ key, value, updatedAt: new Date() })
    .onConflictDoUpdate({ target: checkpoints.key, set: { value, updatedAt: new Date() } });
}

/**
 * Takes one of the recipient's automatic-mail slots for the past hour; false when the limit is
 * reached. Old entries of that recipient are dropped on the way, so the log stays small. One
 * statement: intake runs it for every new ticket.
 */
export async function takeAutoMailSlot(q: Queryable, recipient: string, limitPerHour: number, now: Date): Promise<boolean> {
  if (limitPerHour <= 0) return false;
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  const rows = await queryRows<{ id: number }>(
    q,
    sql`with expired as (
          delete from auto_mail_log where recipient = ${recipient} and created_at < ${hourAgo}::timestamptz
        ), recent as (
          select count(*)::int as n from auto_mail_log where recipient = ${recipient} and created_at >= ${hourAgo}::timestamptz
        )
        insert into auto_mail_log (recipient, created_at)
        select ${recipient}, ${now.toISOString()}::timestamptz from recent where n < ${limitPerHour}
        returning id`,
  );
  return rows.length > 0;
}
