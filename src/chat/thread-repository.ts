// Ticket ↔ thread ↔ message ids, kept in the database (never in memory) so restarts and echo
// suppression stay correct.
import { and, eq } from 'drizzle-orm';
import type { ThreadRef, Platform } from '../../adapters/chat-port.js';
import type { Queryable } from '../db/create-db.js';
import { externalRefs, ticketThreads } from '../db/schema.js';

type ThreadRow = typeof ticketThreads.$inferSelect;

const toRef = (r: ThreadRow): ThreadRef & { ticketId: number } => ({
  ticketId: r.ticketId,
  platform: r.platform as Platform,
  channelId: r.channelId,
  threadId: r.threadId,
  cardMessageId: r.cardMessageId,
});

export async function threadsOfTicket(q: Queryable, ticketId: number) {
  const rows = await q.select().from(ticketThreads).where(eq(ticketThreads.ticketId, ticketId)).orderBy(ticketThreads.id);
  return rows.map(toRef);
}

export async function findThread(q: Queryable, platform: Platform, channelId: string, threadId: string) {
  const [row] = await q
    .select()
    .from(ticketThreads)
    .where(and(eq(ticketThreads.platform, platform), eq(ticketThreads.channelId, channelId), eq(ticketThreads.threadId, threadId)));
  return row ? toRef(row) : null;
}

export async function saveThread(q: Queryable, ticketId: number, ref: ThreadRef): Promise<void> {
  await q
    .insert(ticketThreads)
    .values({ ticketId, platform: ref.platform, channelId: ref.channelId, threadId: ref.threadId, cardMessageId: ref.cardMessageId })
    .onConflictDoNothing();
}

/** The scope of a chat message id: ids are unique per channel on every platform we know. */
const scopeOf = (thread: { channelId: string }) => thread.channelId;

export async function messageRef(q: Queryable, platform: Platform, channelId: string, externalId: string): Promise<number | null> {
  const [row] = await q
    .select({ entityId: externalRefs.entityId })
    .from(externalRefs)
    .where(and(eq(externalRefs.platform, platform), eq(externalRefs.scope, channelId), eq(externalRefs.externalId, externalId), eq(externalRefs.entity, 'message')));
  return row?.entityId ?? null;
}

/** The chat message a history entry is known by in one thread, if it was posted there. */
export async function postedAs(q: Queryable, thread: ThreadRef, messageId: number): Promise<string | null> {
  const [row] = await q
    .select({ externalId: externalRefs.externalId })
    .from(externalRefs)
    .where(and(eq(externalRefs.platform, thread.platform), eq(externalRefs.scope, scopeOf(thread)), eq(externalRefs.entity, 'message'), eq(externalRefs.entityId, messageId)));
  return row?.externalId ?? null;
}

export async function saveMessageRef(q: Queryable, thread: ThreadRef, ticketId: number, messageId: number, externalId: string): Promise<void> {
  await q
    .insert(externalRefs)
    .values({ platform: thread.platform, scope: scopeOf(thread), externalId, entity: 'message', entityId: messageId, ticketId })
    .onConflictDoNothing();
}
