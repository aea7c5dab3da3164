// `threaddesk doctor` for mail: can we log in to the SMTP server we send through and to every
// IMAP mailbox we read? One bounded attempt each; the finding says what to fix.
import nodemailer from 'nodemailer';
import { imapClient, parseImapUrl } from './imap-intake.js';

export interface MailFinding {
  check: string;
  ok: boolean;
  detail: string;
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function checkSmtp(url: string): Promise<MailFinding> {
  const host = new URL(url).hostname;
  const transporter = nodemailer.createTransport({ url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 15_000 });
  try {
    await transporter.verify();
    return { check: 'mail: SMTP_URL', ok: true, detail: `${host} accepts our login` };
  } catch (err) {
    return { check: 'mail: SMTP_URL', ok: false, detail: `${host}: ${reason(err)} — check host, port, user and password in SMTP_URL` };
  } finally {
    transporter.close();
  }
}

export async function checkImap(label: string, url: string): Promise<MailFinding> {
  const check = `mail: ${label}`;
  let target;
  try {
    target = parseImapUrl(url);
  } catch (err) {
    return { check, ok: false, detail: reason(err) };
  }
  const client = imapClient(target, { connectionTimeout: 10_000, greetingTimeout: 10_000 });
  try {
    await client.connect();
    const box = await client.mailboxOpen(target.path, { readOnly: true });
    return { check, ok: true, detail: `${target.user}@${target.host}: ${target.path} has ${box.exists} message(s)` };
  } catch (err) {
    return { check, ok: false, detail: `${target.user}@${target.host}/${target.path}: ${reason(err)} — check the URL, the password and that the folder exists` };
  } finally {
    await client.logout().catch(() => client.close());
  }
}
