// The outbox's `mail` sink: public replies (`mail.reply`) and automatic mails (`mail.auto`).
// The Message-ID is generated and committed before the first attempt and reused on every
// retry, so the one unavoidable duplicate (crash between the server's 250 and our commit)
// carries the same id and collapses in the customer's mail client.
import { asc, eq } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Db } from '../db/create-db.js';
import { attachments, contacts, messages, ticketCollaborators, tickets } from '../db/schema.js';
import type { DeliveryResult, OutboxRow, Sink } from '../outbox/worker.js';
import { subjectWithTicketToken } from './addresses.js';
import { replySubject, type AutoMailPayload } from './auto-mail.js';
import { reserveOutboundId, threadHeaders } from './mail-ledger.js';
import { fromAddressOf, type MailSettings } from './settings.js';
import type { MailTransport } from './transport.js';

export class MailSink implements Sink {
  constructor(
    private readonly db: Db,
    private readonly settings: MailSettings,
    private readonly transport: MailTransport,
  ) {}

  async deliver(row: OutboxRow): Promise<DeliveryResult | void> {
    if (row.kind === 'mail.reply') return this.reply(row);
    if (row.kind === 'mail.auto') return this.auto(row);
    throw new Error(`mail sink: unknown outbox kind "${row.kind}" (expected mail.reply or mail.auto)`);
  }

  private async reply(row: OutboxRow): Promise<DeliveryResult | void> {
    const messageRowId = Number(row.payload.messageId);
    const [m] = await this.db.select().from(messages).where(eq(messages.id, messageRowId));
    if (!m) throw new Error(`mail sink: message ${messageRowId} does not exist`);
    // Withdrawn in the undo window: nothing to send.
    if (m.cancelledAt) return;
    const [t] = await this.db.select().from(tickets).where(eq(tickets.id, m.ticketId));
    const [requester] = t?.requesterId ? await this.db.select().from(contacts).where(eq(contacts.id, t.requesterId)) : [];
    if (!t || !requester) throw new Error(`mail sink: ticket of message ${messageRowId} has no requester to mail`);
    const ccs = await this.db.select({ email: ticketCollaborators.email }).from(ticketCollaborators).where(eq(ticketCollaborators.ticketId, t.id)).orderBy(asc(ticketCollaborators.email));
    const files = await this.db.select().from(attachments).where(eq(attachments.messageId, m.id)).orderBy(asc(attachments.id));
    const from = fromAddressOf(this.settings, t.departmentId);
    const messageId = await reserveOutboundId(this.db, { outboxId: row.id, ticketId: t.id, messageRowId: m.id, outcome: 'reply', domain: this.domainOf(from.address) });
    const thread = await threadHeaders(this.db, t.id, messageId);
    const to = [requester.email];
    const cc = ccs.map((c) => c.email).filter((e) => e !== requester.email);
    const subject = subjectWithTicketToken(replySubject(t.subject), t.number, this.settings.subjectToken);
    const raw = await new MailComposer({
      from,
      to,
      cc,
      subject,
      text: m.text, // read now: it may have been edited in the undo window
      messageId: `<${messageId}>`,
      ...(thread.inReplyTo ? { inReplyTo: `<${thread.inReplyTo}>` } : {}),
      ...(thread.references.length ? { references: thread.references.map((r) => `<${r}>`) } : {}),
      attachments: files.filter((f) => f.content).map((f) => ({ filename: f.filename, content: f.content!, contentType: f.contentType })),
    })
      .compile()
      .build();
    await this.transport.send({ messageId, envelope: { from: from.address, to: [...to, ...cc] }, subject, raw });
    return { externalId: messageId };
  }

  private async auto(row: OutboxRow): Promise<DeliveryResult> {
    const p = row.payload as AutoMailPayload;
    const messageId = await reserveOutboundId(this.db, { outboxId: row.id, ticketId: row.ticketId, messageRowId: null, outcome: `auto:${p.purpose}`, domain: this.domainOf(p.from.address) });
    const raw = await new MailComposer({
      from: p.from,
      to: p.to,
      subject: p.subject,
      text: p.text,
      messageId: `<${messageId}>`,
      ...(p.inReplyTo ? { inReplyTo: `<${p.inReplyTo}>`, references: [`<${p.inReplyTo}>`] } : {}),
      // RFC 3834: an automatic answer says so, so other robots do not answer it in turn.
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    })
      .compile()
      .build();
    // RFC 3834 §3.3: an automatic answer goes out with a null reverse-path (MAIL FROM:<>), so
    // a bounce of it is never sent back to us to answer again.
    await this.transport.send({ messageId, envelope: { from: '', to: [p.to] }, subject: p.subject, raw });
    return { externalId: messageId };
  }

  private domainOf(address: string): string {
    return this.settings.messageIdDomain || address.split('@')[1] || 'threaddesk.invalid';
  }
}
