/**
 * A real SMTP server on 127.0.0.1 (smtp-server) that records every mail it accepts, for tests of
 * outgoing mail. `down(true)` makes it answer 451 (an outage) until `down(false)`.
 *
 *   const smtp = await startRecordingSmtp();   // SMTP_URL = smtp.url
 *   const mail = await smtp.waitFor((m) => m.to.includes('carla@customer.example'));
 *   await smtp.close();
 */
import { SMTPServer } from 'smtp-server';
import { parseMail, type ParsedMail } from '../../src/mail/index.js';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  parsed: ParsedMail;
  /** A header's raw value (first occurrence), e.g. header('auto-submitted'). */
  header(name: string): string | undefined;
}

export interface RecordingSmtp {
  url: string;
  port: number;
  mails: ReceivedMail[];
  down(on: boolean): void;
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const re = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im');
  return re.exec(head)?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim();
}

export async function startRecordingSmtp(): Promise<RecordingSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let isDown = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onMailFrom(_address, _session, callback) {
      if (isDown) return callback(Object.assign(new Error('4.3.2 service temporarily unavailable'), { responseCode: 451 }));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        parseMail(raw).then(
          (parsed) => {
            mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
              header: (name) => headerOf(raw, name),
            });
            for (const w of waiters) w();
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  // A sender killed mid-session (the crash test SIGKILLs the server that sends to us) resets
  // its connection; smtp-server reports that as an 'error' event, which must not crash the run.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    down: (on) => {
      isDown = on;
    },
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = mails.find(predicate);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching mail within ${timeoutMs} ms; got ${mails.length}: ${mails.map((m) => `${m.to.join(',')} "${m.parsed.subject}"`).join('; ')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Sends raw bytes to an SMTP server; resolves with the server's final answer or rejects with its code. */
export async function sendRaw(port: number, raw: Buffer, envelope: { from: string; to: string[] }): Promise<string> {
  const nodemailer = await import('nodemailer');
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    const info = await transport.sendMail({ envelope, raw });
    return info.response;
  } finally {
    transport.close();
  }
}
