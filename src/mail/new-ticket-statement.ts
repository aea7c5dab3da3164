// New tickets from mail, written in ONE statement: contact, ticket, opening event, customer
// message, attachments, raw mail, collaborators, chat announcements, the acknowledgement (with
// the sender's hourly allowance) and the Message-ID ledger row — plus the IMAP checkpoint. One
// mail, or several at once (group commit, see new-ticket-batcher.ts).
//
// Why one statement: most inbound mail opens a ticket, and done through the use cases that took
// ~15 round trips, which cost several times what parsing the mail costs. A single statement is
// atomic without BEGIN/COMMIT, and every insert reads from the ledger insert, so a mail recorded
// before (same Message-ID and content hash, also a copy racing in another connection: the
// ledger insert waits for it) writes nothing but the checkpoint. Ids come from the sequences
// inside the statement, so the ledger row can name the ticket and message it became.
//
// The statement also makes the header match itself (threadIds): most mail names no ticket and
// threads to nothing, and checking that here instead of in a query before saves a round trip per
// mail. When one of the ids is a mail we sent or received, nothing at all is written for it.
//
// What a ticket is made of stays decided in src/tickets (openedEvent, newTicketSecret, STATE_OF,
// the `<sink>:<ticket id>` order keys of enqueue); this file only writes it for the mail bridge.
import { sql } from 'drizzle-orm';
import { queryRowsPrepared, type Queryable } from '../db/create-db.js';
import type { AutoMailPayload } from './auto-mail.js';
import { THREADS_TO_TICKET } from './mail-ledger.js';

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
  /** Write nothing if one of these Message-IDs threads to a ticket (see matchTicket); [] to not check. */
  threadIds: string[];
}

export interface NewTicketWritten {
  /** False when the same mail was recorded before: nothing but the checkpoint was written. */
  fresh: boolean;
  /** One of threadIds belongs to a ticket: nothing was written, not even the checkpoint. */
  threaded: boolean;
  ticketId: number;
  messageRowId: number;
  autoMailQueued: boolean;
}

/** One mail: a batch of one. */
export async function writeNewTicketFromMail(q: Queryable, input: NewTicketFromMail): Promise<NewTicketWritten> {
  const [written] = await writeNewTicketsFromMail(q, [input]);
  return written!;
}

/**
 * Several mails in one statement (group commit, see NewTicketBatcher): each as if written alone,
 * provided no two share a Message-ID, an automatic-mail recipient or a checkpoint, and none
 * threads to another of the batch — the batcher keeps such mails apart.
 */
export async function writeNewTicketsFromMail(q: Queryable, inputs: readonly NewTicketFromMail[]): Promise<NewTicketWritten[]> {
  // The bytes (raw mails, attachments) travel as one base64 text parameter, each named in the
  // JSON by its place in it: inside the JSON the server's parser would read them character by
  // character, and as a bytea parameter the driver sends hex, twice their size.
  const blobs: Buffer[] = [];
  let size = 0;
  const place = (bytes: Buffer): [number, number] => {
    blobs.push(bytes);
    size += bytes.length;
    return [size - bytes.length + 1, bytes.length]; // 1-based, for substring()
  };
  const j = JSON.stringify(
    inputs.map((input) => ({
      ...input,
      now: input.now.toISOString(),
      hourAgo: new Date(input.now.getTime() - 3_600_000).toISOString(),
      resolvedAt: input.status === 'closed' ? input.now.toISOString() : null,
      attachments: input.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.content.length, at: place(a.content) })),
      raw: place(input.raw),
    })),
  );
  // `ord` numbers the mails; rows written for a mail find its ids through it, and everything
  // but the checkpoint hangs off `fresh` (the mails whose ledger row was inserted).
  const rows = await queryRowsPrepared<{ ord: number; fresh: boolean; threaded: boolean; ticket_id: number; message_id: number; auto_mail: boolean }>(
    q,
    sql`with input as materialized (
          select e.ord::int as ord, e.j from jsonb_array_elements(${j}::jsonb) with ordinality e(j, ord)
        ), bytes as materialized (
          select decode(${Buffer.concat(blobs, size).toString('base64')}::text, 'base64') as b
        ), threaded as materialized (
          select distinct i.ord from input i, mail_messages
          where message_id in (select jsonb_array_elements_text(i.j->'threadIds')) and ${THREADS_TO_TICKET}
        ), ids as materialized (
          select i.ord,
                 nextval('tickets_id_seq')::int as ticket_id,
                 nextval('messages_id_seq')::int as event_id,
                 nextval('messages_id_seq')::int as message_id
          from input i order by i.ord
        ), ledger as (
          insert into mail_messages (direction, message_id, content_hash, ticket_id, message_row_id, outcome, bulk)
          select 'in', j->'ledger'->>'messageId', j->'ledger'->>'contentHash', ids.ticket_id, ids.message_id, j->'ledger'->>'outcome', (j->'ledger'->>'bulk')::boolean
          from input i join ids using (ord)
          where i.ord not in (select ord from threaded)
          on conflict (message_id, content_hash) do nothing
          returning ticket_id
        ), fresh as materialized (
          select ids.*, i.j from ledger join ids on ids.ticket_id = ledger.ticket_id join input i on i.ord = ids.ord
        ), contact as (
          insert into contacts (email, name)
          select distinct on (j->'requester'->>'email') j->'requester'->>'email', j->'requester'->>'name' from fresh
          order by j->'requester'->>'email', ord
          on conflict (email) do update set name = coalesce(contacts.name, excluded.name)
          returning id, email
        ), ticket as (
          insert into tickets (id, number, subject, department_id, priority, state, status, requester_id, secret, created_at, updated_at, resolved_at, last_customer_message_at)
          select f.ticket_id, j->>'number', j->>'subject', j->>'departmentId', 'normal', j->>'state', j->>'status', c.id, j->>'secret',
                 (j->>'now')::timestamptz, (j->>'now')::timestamptz, (j->>'resolvedAt')::timestamptz, (j->>'now')::timestamptz
          from fresh f join contact c on c.email = f.j->'requester'->>'email'
          returning id
        ), history as (
          insert into messages (id, ticket_id, kind, author_contact_id, source, text, data, created_at)
          select f.event_id, f.ticket_id, 'event', null, 'system', j->'event'->>'text', (j->'event'->'data')::jsonb, (j->>'now')::timestamptz
          from fresh f
          union all
          select f.message_id, f.ticket_id, 'customer', c.id, 'mail', j->>'text', (j->'messageData')::jsonb, (j->>'now')::timestamptz
          from fresh f join contact c on c.email = f.j->'requester'->>'email'
          returning id
        ), files as (
          insert into attachments (message_id, filename, content_type, size, content)
          select f.message_id, a->>'filename', a->>'contentType', (a->>'size')::int, substring(bytes.b from (a->'at'->>0)::int for (a->'at'->>1)::int)
          from fresh f, bytes, jsonb_array_elements(f.j->'attachments') with ordinality a(a, n)
          order by f.ord, a.n
          returning id
        ), raw as (
          insert into raw_mails (message_id, raw, content_hash)
          select f.message_id, substring(bytes.b from (j->'raw'->>0)::int for (j->'raw'->>1)::int), j->'ledger'->>'contentHash' from fresh f, bytes
          returning 1
        ), collaborators as (
          insert into ticket_collaborators (ticket_id, email)
          select f.ticket_id, c.email from fresh f, jsonb_array_elements_text(f.j->'collaborators') c(email)
          where not exists (select 1 from agents a where a.email = c.email)
          on conflict do nothing
          returning 1
        ), announce as (
          insert into outbox (ticket_id, order_key, sink, kind, payload)
          select f.ticket_id, 'chat:' || f.ticket_id, 'chat', k.kind, k.payload
          from fresh f,
               lateral (values (1, 'thread.open', '{}'::jsonb), (2, 'message.post', jsonb_build_object('messageId', f.message_id))) k(n, kind, payload)
          where (j->>'announce')::boolean
          order by f.ord, k.n
          returning id
        ), expired as (
          delete from auto_mail_log l using input i
          where jsonb_typeof(i.j->'autoMail') = 'object'
            and l.recipient = i.j->'autoMail'->>'to' and l.created_at < (i.j->>'hourAgo')::timestamptz
        ), slot as (
          insert into auto_mail_log (recipient, created_at)
          select j->'autoMail'->>'to', (j->>'now')::timestamptz from fresh f
          where jsonb_typeof(j->'autoMail') = 'object'
            and (select count(*) from auto_mail_log l
                 where l.recipient = f.j->'autoMail'->>'to' and l.created_at >= (f.j->>'hourAgo')::timestamptz) < (j->'autoMail'->>'limitPerHour')::int
          order by f.ord
          returning recipient
        ), auto as (
          insert into outbox (ticket_id, order_key, sink, kind, payload)
          select f.ticket_id, 'mail:' || f.ticket_id, 'mail', 'mail.auto', (j->'autoMail'->'payload')::jsonb
          from fresh f join slot s on s.recipient = f.j->'autoMail'->>'to'
          order by f.ord
          returning ticket_id
        ), checkpoint as (
          insert into checkpoints (key, value, updated_at)
          select j->'checkpoint'->>'key', (j->'checkpoint'->'value')::jsonb, now() from input i
          where jsonb_typeof(j->'checkpoint') = 'object' and i.ord not in (select ord from threaded)
          on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at
          returning 1
        )
        select ids.ord, ids.ord in (select ord from fresh) as fresh, ids.ord in (select ord from threaded) as threaded,
               ids.ticket_id, ids.message_id, ids.ticket_id in (select ticket_id from auto) as auto_mail
        from ids order by ids.ord`,
  );
  return rows.map((r) => ({ fresh: r.fresh, threaded: r.threaded, ticketId: r.ticket_id, messageRowId: r.message_id, autoMailQueued: r.auto_mail }));
}
