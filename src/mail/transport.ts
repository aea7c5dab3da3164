// Where outgoing mail goes: an SMTP server (SMTP_URL, nodemailer), or — in the embedded demo,
// without SMTP_URL — a local mailbox in the database that the web console shows. Both take the
// finished RFC 822 bytes, so what is captured is exactly what would have been sent.
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Db } from '../db/create-db.js';
import { capturedMails } from '../db/schema.js';

export interface OutgoingMail {
  /** Without angle brackets. */
  messageId: string;
  /** `from: ''` is the null reverse-path (MAIL FROM:<>) of automatic mail. */
  envelope: { from: string; to: string[] };
  subject: string;
  raw: Buffer;
}

export interface MailTransport {
  /** For the banner and logs: "SMTP mail.example.org:587" or "captured locally". */
  readonly description: string;
  /** Resolves once the server accepted the mail (250); throws otherwise (the outbox retries). */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function smtpTransport(url: string): MailTransport {
  const parsed = new URL(url);
  const transporter = nodemailer.createTransport({
    url,
    // Bounded waits: a hung server must fail the attempt (and be retried), not hold the worker.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  return {
    description: `SMTP ${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)}`,
    async send(mail) {
      await transporter.sendMail({ envelope: mail.envelope, raw: mail.raw });
    },
    close() {
      transporter.close();
    },
  };
}

/** Keeps outgoing mail in `captured_mails` (once per Message-ID, so a retry is not a second copy). */
export function captureTransport(db: Db, logger: Pick<Logger, 'info'>): MailTransport {
  return {
    description: 'captured locally (no SMTP_URL): see captured_mails',
    async send(mail) {
      await db
        .insert(capturedMails)
        .values({ messageId: mail.messageId, envelopeFrom: mail.envelope.from, envelopeTo: mail.envelope.to, subject: mail.subject, raw: mail.raw })
        .onConflictDoNothing({ target: capturedMails.messageId });
      logger.info({ messageId: mail.messageId, to: mail.envelope.to, subject: mail.subject }, 'mail captured (no SMTP_URL set)');
    },
    close() {},
  };
}
