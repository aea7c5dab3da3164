// The built-in SMTP listener (SPEC §9: port 2525 in the embedded demo). It accepts mail for our
// department addresses (and their plus-addresses) only, 550 for anything else, and answers 250
// only once the mail is committed — so a sender whose connection drops before that retries,
// and the ledger records the retry once.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { ingestMail, type IntakeDeps } from './intake.js';
import { departmentForAddress } from './settings.js';

export interface SmtpListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** "127.0.0.1:2525", "[::1]:2525" or ":2525" → host and port. */
export function parseListenAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DomainError('config', `SMTP_LISTEN must be host:port (e.g. 127.0.0.1:2525) or "off", got "${value}".`);
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpListener(
  deps: IntakeDeps,
  listen: { host: string; port: number },
  hooks: { afterIngest(): void; logger: Pick<Logger, 'info' | 'warn' | 'error'> },
): Promise<SmtpListener> {
  const { settings } = deps;
  // Over-size mail is accepted up to this cap so the sender can be told politely (and the
  // ticket gets an event); beyond it the SMTP conversation itself refuses with 552.
  const hardCap = Math.max(2 * settings.maxMessageBytes, settings.maxMessageBytes + 16 * 1024 * 1024);
  const server = new SMTPServer({
    name: settings.messageIdDomain,
    banner: 'threaddesk mail intake',
    // A loopback intake without accounts: no AUTH to offer, and no certificate for STARTTLS.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: hardCap,
    closeTimeout: 2_000,
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (departmentForAddress(settings, address.address)) return callback();
      callback(smtpError(550, `5.1.1 <${address.address}>: no such mailbox here; this server only takes mail for ${settings.ownAddresses.join(', ')}`));
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err: Error) => callback(smtpError(451, `4.3.0 reading the message failed: ${err.message}`)));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError(552, `5.3.4 message larger than ${hardCap} bytes`));
        const raw = Buffer.concat(chunks);
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
        ingestMail(deps, raw, { source: 'smtp', recipients, mailFrom }).then(
          (result) => {
            hooks.afterIngest();
            callback(null, `2.0.0 ${result.outcome}${result.ticketNumber ? ` #${result.ticketNumber}` : ''}`);
          },
          (err: unknown) => {
            hooks.logger.error({ err }, 'smtp listener: storing a mail failed; the sender is asked to retry');
            callback(smtpError(451, '4.3.0 temporary failure storing the message, try again later'));
          },
        );
      });
    },
  });
  server.on('error', (err) => hooks.logger.warn({ err: err.message }, 'smtp listener: connection error'));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(listen.port, listen.host, () => {
      server.server.off('error', onError);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  return {
    host: listen.host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
