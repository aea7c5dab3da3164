// The database schema. Migrations in migrations/ are generated from this file by drizzle-kit
// (`npm run db:generate`); never edit a generated migration by hand.
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  bigint,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

const created = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const departments = pgTable('departments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  emails: jsonb('emails').$type<string[]>().notNull().default([]),
  muted: boolean('muted').notNull().default(false),
  internal: boolean('internal').notNull().default(false),
  channels: jsonb('channels').$type<Record<string, string>>().notNull().default({}),
  active: boolean('active').notNull().default(true),
  createdAt: created(),
});

export const agents = pgTable('agents', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  role: text('role').$type<'agent' | 'admin'>().notNull().default('agent'),
  active: boolean('active').notNull().default(true),
  lockedAt: timestamp('locked_at', { withTimezone: true }),
  lastActiveAt: timestamp('last_active_at', { withTimezone: true }),
  passwordHash: text('password_hash'),
  createdAt: created(),
});

/** One agent, many platforms: Slack user id, Matrix user id, Discord user id… */
export const agentIdentities = pgTable(
  'agent_identities',
  {
    agentId: integer('agent_id').notNull().references(() => agents.id),
    platform: text('platform').notNull(),
    externalId: text('external_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.externalId] }), index('agent_identities_agent').on(t.agentId)],
);

export const departmentMembers = pgTable(
  'department_members',
  {
    departmentId: text('department_id').notNull().references(() => departments.id),
    agentId: integer('agent_id').notNull().references(() => agents.id),
    access: text('access').$type<'read' | 'write'>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.departmentId, t.agentId] })],
);

export const contacts = pgTable('contacts', {
  id: serial('id').primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name'),
  /** Set when mail to this address bounced. */
  flagged: boolean('flagged').notNull().default(false),
  blocked: boolean('blocked').notNull().default(false),
  createdAt: created(),
});

export const helpTopics = pgTable('help_topics', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  departmentId: text('department_id').references(() => departments.id),
  active: boolean('active').notNull().default(true),
});

export const helpTopicFields = pgTable(
  'help_topic_fields',
  {
    topicId: text('topic_id').notNull().references(() => helpTopics.id),
    id: text('id').notNull(),
    label: text('label').notNull(),
    type: text('type').$type<'text' | 'checkbox' | 'select' | 'date'>().notNull(),
    options: jsonb('options').$type<string[]>().notNull().default([]),
    requiredToClose: boolean('required_to_close').notNull().default(false),
    position: integer('position').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.topicId, t.id] })],
);

/** Per-day counters for ticket numbers; bumped outside the ticket's transaction (gaps allowed). */
export const ticketCounters = pgTable('ticket_counters', {
  scope: text('scope').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
});

export const tickets = pgTable(
  'tickets',
  {
    id: serial('id').primaryKey(),
    number: text('number').notNull().unique(),
    subject: text('subject').notNull(),
    departmentId: text('department_id').notNull().references(() => departments.id),
    topicId: text('topic_id').references(() => helpTopics.id),
    priority: text('priority').notNull().default('normal'),
    state: text('state').notNull(),
    status: text('status').notNull(),
    assigneeId: integer('assignee_id').references(() => agents.id),
    requesterId: integer('requester_id').references(() => contacts.id),
    secret: text('secret').notNull().unique(),
    mergedIntoId: integer('merged_into_id'),
    createdAt: created(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    firstResponseAt: timestamp('first_response_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    lastCustomerMessageAt: timestamp('last_customer_message_at', { withTimezone: true }),
  },
  (t) => [
    index('tickets_department_status').on(t.departmentId, t.status),
    index('tickets_assignee').on(t.assigneeId),
  ],
);

export const ticketCollaborators = pgTable(
  'ticket_collaborators',
  {
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    email: text('email').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.email] })],
);

/** Agents outside the ticket's department who keep access (transfer --keep). */
export const ticketReferrers = pgTable(
  'ticket_referrers',
  {
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    agentId: integer('agent_id').notNull().references(() => agents.id),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.agentId] })],
);

export const ticketFieldValues = pgTable(
  'ticket_field_values',
  {
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    fieldId: text('field_id').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.fieldId] })],
);

export const ticketTags = pgTable(
  'ticket_tags',
  {
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.tag] })],
);

export const ticketLinks = pgTable(
  'ticket_links',
  {
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    otherTicketId: integer('other_ticket_id').notNull().references(() => tickets.id),
    kind: text('kind').$type<'related' | 'merged'>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketId, t.otherTicketId] })],
);

export const messages = pgTable(
  'messages',
  {
    id: serial('id').primaryKey(),
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    kind: text('kind').$type<'customer' | 'reply' | 'note' | 'event'>().notNull(),
    authorAgentId: integer('author_agent_id').references(() => agents.id),
    authorContactId: integer('author_contact_id').references(() => contacts.id),
    /** Where it was written: mail, web, cli, slack, discord, matrix, api, system. */
    source: text('source').notNull(),
    text: text('text').notNull(),
    /** Event details (action, from, to…) or mail metadata. */
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** A note that needs an agent's decision (e.g. a reply from an unknown sender). */
    flagged: boolean('flagged').notNull().default(false),
    /** Public replies wait here until the undo window has passed. */
    sendAfter: timestamp('send_after', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    createdAt: created(),
  },
  (t) => [index('messages_ticket').on(t.ticketId, t.id)],
);

/** The raw RFC 822 bytes of inbound mail, kept apart so history queries stay light. */
export const rawMails = pgTable('raw_mails', {
  messageId: integer('message_id').primaryKey().references(() => messages.id),
  raw: bytea('raw').notNull(),
  contentHash: text('content_hash').notNull(),
});

export const attachments = pgTable(
  'attachments',
  {
    id: serial('id').primaryKey(),
    messageId: integer('message_id').notNull().references(() => messages.id),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    content: bytea('content'),
    /** For large files kept outside the database (future storage drivers). */
    storageKey: text('storage_key'),
  },
  (t) => [index('attachments_message').on(t.messageId)],
);

/** Ticket ↔ chat thread, one per (ticket, platform, channel). */
export const ticketThreads = pgTable(
  'ticket_threads',
  {
    id: serial('id').primaryKey(),
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    platform: text('platform').notNull(),
    channelId: text('channel_id').notNull(),
    threadId: text('thread_id').notNull(),
    cardMessageId: text('card_message_id').notNull(),
    createdAt: created(),
  },
  (t) => [
    uniqueIndex('ticket_threads_ticket_channel').on(t.ticketId, t.platform, t.channelId),
    uniqueIndex('ticket_threads_thread').on(t.platform, t.channelId, t.threadId),
  ],
);

/**
 * Platform ids ↔ our ids, scoped by platform and kind so a Slack ts can never collide with a
 * mail Message-ID (Chatwoot's single unscoped column is the mistake this avoids).
 */
export const externalRefs = pgTable(
  'external_refs',
  {
    id: serial('id').primaryKey(),
    platform: text('platform').notNull(),
    scope: text('scope').notNull().default(''),
    externalId: text('external_id').notNull(),
    entity: text('entity').$type<'ticket' | 'message'>().notNull(),
    entityId: integer('entity_id').notNull(),
    ticketId: integer('ticket_id').notNull().references(() => tickets.id),
    createdAt: created(),
  },
  (t) => [
    uniqueIndex('external_refs_key').on(t.platform, t.scope, t.externalId),
    index('external_refs_entity').on(t.entity, t.entityId),
  ],
);

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: integer('ticket_id'),
    /** Rows with the same key are delivered one at a time in id order (e.g. `chat:42`, `mail:42`). */
    orderKey: text('order_key'),
    /** Which sink delivers it: mail, chat, log… */
    sink: text('sink').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').$type<'pending' | 'delivering' | 'done' | 'dead'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    externalId: text('external_id'),
    lastError: text('last_error'),
    createdAt: created(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('outbox_ready').on(t.status, t.nextAttemptAt).where(sql`status in ('pending','delivering')`),
    index('outbox_order').on(t.orderKey, t.id).where(sql`status in ('pending','delivering')`),
  ],
);

/** Key/value state that must survive restarts (mailbox checkpoints, sync tokens…). */
export const checkpoints = pgTable('checkpoints', {
  key: text('key').primaryKey(),
  value: jsonb('value').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every mail in and out by Message-ID: threading looks replies up here (In-Reply-To/References
 * against everything we sent or received), and an inbound mail is recorded once per
 * (Message-ID, content hash), so the same mail delivered twice is stored once. An outbound row
 * is written before the first send attempt and reused on retry (same Message-ID on a rare
 * second copy).
 */
export const mailMessages = pgTable(
  'mail_messages',
  {
    id: serial('id').primaryKey(),
    direction: text('direction').$type<'in' | 'out'>().notNull(),
    /** Without angle brackets; '' for an inbound mail that had none (then the hash alone dedupes). */
    messageId: text('message_id').notNull(),
    /** sha256 of the raw inbound mail; '' for outbound. */
    contentHash: text('content_hash').notNull().default(''),
    ticketId: integer('ticket_id').references(() => tickets.id),
    /** The history entry it became (customer message, note) or was sent for (reply). */
    messageRowId: integer('message_row_id').references(() => messages.id),
    /** Outbound: the outbox row the Message-ID was generated for. */
    outboxId: bigint('outbox_id', { mode: 'number' }),
    /** What happened: created, appended, bounce, refused, rejected, unmatched, unreadable; reply, auto. */
    outcome: text('outcome').notNull().default(''),
    /** A newsletter/list mail: its Message-ID never threads a reply (strangers answering it). */
    bulk: boolean('bulk').notNull().default(false),
    /** The raw mail when no history entry holds it (a bounce that matched no ticket, unreadable mail). */
    raw: bytea('raw'),
    createdAt: created(),
  },
  (t) => [
    uniqueIndex('mail_messages_key').on(t.messageId, t.contentHash),
    uniqueIndex('mail_messages_outbox').on(t.outboxId),
    index('mail_messages_ticket').on(t.ticketId, t.id),
  ],
);

/** Outgoing mail kept locally when no SMTP_URL is set (the web console shows it). */
export const capturedMails = pgTable('captured_mails', {
  id: serial('id').primaryKey(),
  /** Unique: a retry of the same mail is captured once. */
  messageId: text('message_id').notNull().unique(),
  envelopeFrom: text('envelope_from').notNull(),
  envelopeTo: jsonb('envelope_to').$type<string[]>().notNull(),
  subject: text('subject').notNull().default(''),
  raw: bytea('raw').notNull(),
  createdAt: created(),
});

/** Automatic mails sent per recipient, for the per-hour limit (RFC 3834 loop protection). */
export const autoMailLog = pgTable(
  'auto_mail_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    recipient: text('recipient').notNull(),
    createdAt: created(),
  },
  (t) => [index('auto_mail_log_recipient').on(t.recipient, t.createdAt)],
);
