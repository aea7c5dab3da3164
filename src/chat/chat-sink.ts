// Delivers `chat` outbox rows to every platform the ticket's department is bound to: opens the
// thread (card first), edits the card in place, mirrors history entries, removes or edits
// mirrored copies, and notifies agents. Each step is idempotent through ticket_threads and
// external_refs, so a retried row never posts twice where it already succeeded.
import { and, eq, inArray } from 'drizzle-orm';
import type { ChatAdapter, OutboundMessage, Platform, ThreadRef, TicketCard } from '../../adapters/chat-port.js';
import type { Db } from '../db/create-db.js';
import { agentIdentities, agents, attachments, contacts, departments, messages, tickets } from '../db/schema.js';
import type { OutboxRow, Sink } from '../outbox/worker.js';
import { loadCard } from './card.js';
import { postedAs, saveMessageRef, saveThread, threadsOfTicket } from './thread-repository.js';

export type AdapterMap = ReadonlyMap<Platform, ChatAdapter>;

interface TicketState {
  card: TicketCard | null;
  existing: ThreadRef[];
  dept: { channels: Record<string, string> | null; muted: boolean } | undefined;
}

type Outbound = { body: OutboundMessage; origin: ChatOrigin | null };

/** Read ahead of a row's turn; `message` is set (possibly null: deleted) for message.post. */
interface Prepared {
  ticket: TicketState;
  message?: Outbound | null;
}

export interface ChatOrigin {
  platform: Platform;
  channelId: string;
  threadId: string;
  messageId: string;
}

export class ChatSink implements Sink {
  readonly sequential = true;

  constructor(
    private readonly db: Db,
    private readonly adapters: AdapterMap,
  ) {}

  /** The reads a row needs, done ahead of its turn (see Sink.prepare). */
  async prepare(row: OutboxRow): Promise<Prepared | undefined> {
    if (row.ticketId === null || this.adapters.size === 0) return undefined;
    switch (row.kind) {
      case 'thread.open':
      case 'notify':
        return { ticket: await this.ticketState(row.ticketId) };
      case 'message.post': {
        const [ticket, message] = await Promise.all([this.ticketState(row.ticketId), this.outbound(Number(row.payload.messageId))]);
        return { ticket, message };
      }
      default:
        return undefined;
    }
  }

  async deliver(row: OutboxRow, prepared?: unknown): Promise<void> {
    if (row.ticketId === null || this.adapters.size === 0) return;
    const ticketId = row.ticketId;
    const ready = prepared as Prepared | undefined;
    switch (row.kind) {
      case 'thread.open':
        await this.threads(ticketId, ready?.ticket);
        return;
      case 'card.update':
        return this.updateCards(ticketId);
      case 'message.post':
        return this.post(ticketId, Number(row.payload.messageId), ready);
      case 'message.edit':
        return this.editMirrors(ticketId, Number(row.payload.messageId));
      case 'message.remove':
        return this.removeMirrors(ticketId, Number(row.payload.messageId));
      case 'notify':
        return this.notify(ticketId, row.payload, ready?.ticket);
      default:
        throw new Error(`chat: unknown outbox kind "${row.kind}"`);
    }
  }

  /** What opening or finding a ticket's threads needs to know. */
  private async ticketState(ticketId: number): Promise<TicketState> {
    const [card, existing, [dept]] = await Promise.all([
      loadCard(this.db, ticketId),
      threadsOfTicket(this.db, ticketId),
      this.db
        .select({ channels: departments.channels, muted: departments.muted })
        .from(tickets)
        .innerJoin(departments, eq(departments.id, tickets.departmentId))
        .where(eq(tickets.id, ticketId)),
    ]);
    return { card, existing, dept };
  }

  /** The ticket's threads on every bound platform of its current department, opened on demand. */
  private async threads(ticketId: number, state?: TicketState): Promise<ThreadRef[]> {
    const { card, existing, dept } = state ?? (await this.ticketState(ticketId));
    if (!card) return [];
    const result: ThreadRef[] = [];
    for (const [platform, adapter] of this.adapters) {
      const channelId = dept?.channels?.[platform];
      if (!channelId) continue;
      let thread: ThreadRef | undefined = existing.find((t) => t.platform === platform && t.channelId === channelId);
      if (!thread) {
        if (dept?.muted) continue;
        thread = await adapter.openThread(channelId, card);
        await saveThread(this.db, ticketId, thread);
      }
      result.push(thread);
    }
    return result;
  }

  private async updateCards(ticketId: number): Promise<void> {
    const card = await loadCard(this.db, ticketId);
    if (!card) return;
    // Every thread the ticket has, also in a department it left: those cards show where it went.
    for (const thread of await threadsOfTicket(this.db, ticketId)) {
      await this.adapters.get(thread.platform)?.updateCard(thread, card);
    }
  }

  private async post(ticketId: number, messageId: number, ready?: Prepared): Promise<void> {
    const message = ready?.message !== undefined ? ready.message : await this.outbound(messageId);
    if (!message) return;
    for (const thread of await this.threads(ticketId, ready?.ticket)) {
      if (await postedAs(this.db, thread, messageId)) continue;
      if (isOrigin(message.origin, thread)) continue;
      const externalId = await this.adapters.get(thread.platform)!.post(thread, message.body);
      await saveMessageRef(this.db, thread, ticketId, messageId, externalId);
    }
  }

  private async editMirrors(ticketId: number, messageId: number): Promise<void> {
    const message = await this.outbound(messageId);
    if (!message) return;
    for (const thread of await threadsOfTicket(this.db, ticketId)) {
      const externalId = await postedAs(this.db, thread, messageId);
      if (!externalId || isOrigin(message.origin, thread)) continue;
      await this.adapters.get(thread.platform)?.edit(thread, externalId, message.body);
    }
  }

  private async removeMirrors(ticketId: number, messageId: number): Promise<void> {
    const message = await this.outbound(messageId);
    for (const thread of await threadsOfTicket(this.db, ticketId)) {
      const externalId = await postedAs(this.db, thread, messageId);
      if (!externalId || isOrigin(message?.origin ?? null, thread)) continue;
      await this.adapters.get(thread.platform)?.remove(thread, externalId);
    }
  }

  private async notify(ticketId: number, payload: Record<string, unknown>, state?: TicketState): Promise<void> {
    const text = String(payload.text ?? '');
    const agentIds = Array.isArray(payload.agentIds) ? payload.agentIds.map(Number) : [];
    for (const thread of await this.threads(ticketId, state)) {
      const adapter = this.adapters.get(thread.platform)!;
      if (agentIds.length === 0) {
        await adapter.post(thread, { kind: 'event', authorName: 'threaddesk', text });
        continue;
      }
      const ids = await this.db
        .select({ userId: agentIdentities.externalId })
        .from(agentIdentities)
        .where(and(eq(agentIdentities.platform, thread.platform), inArray(agentIdentities.agentId, agentIds)));
      for (const { userId } of ids) await adapter.notify({ channelId: thread.channelId, threadId: thread.threadId, userId }, text);
    }
  }

  private async outbound(messageId: number): Promise<Outbound | null> {
    const [row] = await this.db
      .select({ m: messages, agentName: agents.name, contactEmail: contacts.email, contactName: contacts.name })
      .from(messages)
      .leftJoin(agents, eq(agents.id, messages.authorAgentId))
      .leftJoin(contacts, eq(contacts.id, messages.authorContactId))
      .where(eq(messages.id, messageId));
    if (!row) return null;
    const { m } = row;
    const files = await this.db.select().from(attachments).where(eq(attachments.messageId, messageId));
    const origin = (m.data.chat as ChatOrigin | undefined) ?? null;
    const author = row.agentName ?? (row.contactName ? `${row.contactName} <${row.contactEmail}>` : (row.contactEmail ?? 'threaddesk'));
    const flaggedNote = m.flagged ? `⚠️ From ${row.contactEmail ?? 'an unknown sender'}, who is not on this ticket. Kept as an internal note; \`!ticket accept\` makes it the customer's.\n\n` : '';
    return {
      origin,
      body: {
        kind: m.kind,
        authorName: author,
        text: flaggedNote + m.text,
        origin: (origin?.platform ?? sourceOrigin(m.source)) as OutboundMessage['origin'],
        attachments: files.filter((f) => f.content).map((f) => ({ filename: f.filename, contentType: f.contentType, content: f.content! })),
      },
    };
  }
}

function isOrigin(origin: ChatOrigin | null, thread: ThreadRef): boolean {
  return origin !== null && origin.platform === thread.platform && origin.channelId === thread.channelId && origin.threadId === thread.threadId;
}

function sourceOrigin(source: string): string | undefined {
  return ['slack', 'discord', 'matrix', 'web', 'mail', 'cli', 'api'].includes(source) ? source : undefined;
}
