// A new ticket from a mail, written in ONE statement: contact, ticket, opening event, customer
// message, attachments, raw mail, collaborators, chat announcements, the acknowledgement (with
// the sender's hourly allowance) and the Message-ID ledger row — plus the IMAP checkpoint.
//
// Why one statement: most inbound mail opens a ticket, and done through the use cases that took
// ~15 round trips, which cost several times what parsing the mail costs. A single statement is
// atomic without BEGIN/COMMIT, and every insert reads from the ledger insert, so a mail recorded
// before (same Message-ID and content hash, also a copy racing in another connection: the
// ledger insert waits for it) writes nothing but the checkpoint. Ids come from the sequences
// inside the statement, so the ledger row can name the ticket and message it became.
//
// What a ticket is made of stays decided in src/tickets (openedEvent, newTicketSecret, STATE_OF,
// the `<sink>:<ticket id>` order keys of enqueue); this file only writes it for the mail bridge.
import { sql } from 'drizzle-orm';
import { queryRowsPrepared, type Queryable } from '../db/create-db.js';
import type { AutoMailPayload } from './auto-mail.js';

export interface NewTicketFromMail {
  number: string;
  secret: string;
  subject: string;
  departmentId: string;
  status: 'open' | 'closed';
  state: string;
  now: Date;
  requester: { email: string; name: string | null };
  event: { text: string; data: Record<string, unknown> };
  text: string;
  messageData: Record<string, unknown>;
  attachments: { filename: string; contentType: string; content: Buffer }[];
  /** Also To/Cc people who are not ours; agents among them are left out by the statement. */
  collaborators: string[];
  /** Announce in chat (thread + first message): not for muted departments or rejected requests. */
  announce: boolean;
  /** The acknowledgement or rejected-requests answer, sent if the sender has allowance left this hour. */
  autoMail: { to: string; payload: AutoMailPayload; limitPerHour: number } | null;
  ledger: { messageId: string; contentHash: string; bulk: boolean; outcome: 'created' | 'rejected' };
  raw: Buffer;
  checkpoint?: { key: string; value: Record<string, unknown> };
}

export interface NewTicketWritten {
  /** False when the same mail was recorded before: nothing but the checkpoint was written. */
  fresh: boolean;
  ticketId: number;
  messageRowId: number;
  autoMailQueued: boolean;
}

export async function writeNewTicketFromMail(q: Queryable, input: NewTicketFromMail): Promise<NewTicketWritten> {
  const j = JSON.stringify({
    ...input,
    now: input.now.toISOString(),
    hourAgo: new Date(input.now.getTime() - 3_600_000).toISOString(),
    resolvedAt: input.status === 'closed' ? input.now.toISOString() : null,
    attachments: input.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.content.length, content: a.content.toString('base64') })),
    raw: input.raw.toString('base64'),
  });
  const [row] = await queryRowsPrepared<{ fresh: number; ticket_id: number; message_id: number; auto_mail: number }>(
    q,
    sql`with input as materialized (
          select ${j}::jsonb as j
        ), ids as materialized (
          select nextval('tickets_id_seq')::int as ticket_id,
                 nextval('messages_id_seq')::int as event_id,
                 nextval('messages_id_seq')::int as message_id
        ), ledger as (
          insert into mail_messages (direction, message_id, content_hash, ticket_id, message_row_id, outcome, bulk)
          select 'in', j->'ledger'->>'messageId', j->'ledger'->>'contentHash', ids.ticket_id, ids.message_id, j->'ledger'->>'outcome', (j->'ledger'->>'bulk')::boolean
          from input, ids
          on conflict (message_id, content_hash) do nothing
          returning id
        ), contact as (
          insert into contacts (email, name)
          select j->'requester'->>'email', j->'requester'->>'name' from input, ledger
          on conflict (email) do update set name = coalesce(contacts.name, excluded.name)
          returning id
        ), ticket as (
          insert into tickets (id, number, subject, department_id, priority, state, status, requester_id, secret, created_at, updated_at, resolved_at, last_customer_message_at)
          select ids.ticket_id, j->>'number', j->>'subject', j->>'departmentId', 'normal', j->>'state', j->>'status', contact.id, j->>'secret',
                 (j->>'now')::timestamptz, (j->>'now')::timestamptz, (j->>'resolvedAt')::timestamptz, (j->>'now')::timestamptz
          from input, ids, contact
          returning id
        ), history as (
          insert into messages (id, ticket_id, kind, author_contact_id, source, text, data, created_at)
          select ids.event_id, ids.ticket_id, 'event', null, 'system', j->'event'->>'text', (j->'event'->'data')::jsonb, (j->>'now')::timestamptz
          from input, ids, ledger
          union all
          select ids.message_id, ids.ticket_id, 'customer', contact.id, 'mail', j->>'text', (j->'messageData')::jsonb, (j->>'now')::timestamptz
          from input, ids, contact
          returning id
        ), files as (
          insert into attachments (message_id, filename, content_type, size, content)
          select ids.message_id, f->>'filename', f->>'contentType', (f->>'size')::int, decode(f->>'content', 'base64')
          from input, ids, ledger, jsonb_array_elements(j->'attachments') f
          returning id
        ), raw as (
          insert into raw_mails (message_id, raw, content_hash)
          select ids.message_id, decode(j->>'raw', 'base64'), j->'ledger'->>'contentHash' from input, ids, ledger
          returning 1
        ), collaborators as (
          insert into ticket_collaborators (ticket_id, email)
          select ids.ticket_id, c.email from input, ids, ledger, jsonb_array_elements_text(j->'collaborators') c(email)
          where not exists (select 1 from agents a where a.email = c.email)
          on conflict do nothing
          returning 1
        ), announce as (
          insert into outbox (ticket_id, order_key, sink, kind, payload)
          select ids.ticket_id, 'chat:' || ids.ticket_id, 'chat', k.kind, k.payload
          from input, ids, ledger,
               lateral (values (1, 'thread.open', '{}'::jsonb), (2, 'message.post', jsonb_build_object('messageId', ids.message_id))) k(n, kind, payload)
          where (j->>'announce')::boolean
          order by k.n
          returning id
        ), expired as (
          delete from auto_mail_log l using input
          where jsonb_typeof(j->'autoMail') = 'object'
            and l.recipient = j->'autoMail'->>'to' and l.created_at < (j->>'hourAgo')::timestamptz
        ), recent as (
          select count(*)::int as n from auto_mail_log l, input
          where l.recipient = j->'autoMail'->>'to' and l.created_at >= (j->>'hourAgo')::timestamptz
        ), slot as (
          insert into auto_mail_log (recipient, created_at)
          select j->'autoMail'->>'to', (j->>'now')::timestamptz from input, recent, ledger
          where jsonb_typeof(j->'autoMail') = 'object' and recent.n < (j->'autoMail'->>'limitPerHour')::int
          returning id
        ), auto as (
          insert into outbox (ticket_id, order_key, sink, kind, payload)
          select ids.ticket_id, 'mail:' || ids.ticket_id, 'mail', 'mail.auto', (j->'autoMail'->'payload')::jsonb from input, ids, slot
          returning id
        ), checkpoint as (
          insert into checkpoints (key, value, updated_at)
          select j->'checkpoint'->>'key', (j->'checkpoint'->'value')::jsonb, now() from input
          where jsonb_typeof(j->'checkpoint') = 'object'
          on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at
          returning 1
        )
        select (select count(*) from ledger)::int as fresh, ids.ticket_id, ids.message_id, (select count(*) from auto)::int as auto_mail
        from ids`,
  );
  return { fresh: row!.fresh > 0, ticketId: row!.ticket_id, messageRowId: row!.message_id, autoMailQueued: row!.auto_mail > 0 };
}
