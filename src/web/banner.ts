// What the web capability says on the terminal at start: where the pages are and how to log in.
import type { Config } from '../config/schema.js';

export function webBanner(input: {
  port: number;
  publicUrl: string;
  config: Config;
  firstPasswords: { email: string; password: string }[];
  mailCaptured: boolean;
}): string[] {
  const base = input.config.mail.publicUrl ? input.publicUrl : `http://localhost:${input.port}`;
  const lines = [`Web console:   ${base}/console   ·   contact form: ${base}/contact   ·   status page: ${base}/status`];
  for (const p of input.firstPasswords) {
    lines.push(`First login:   ${p.email}  password: ${p.password}   (shown this once — note it down)`);
  }
  if (input.mailCaptured) {
    lines.push('Mail:          SMTP_URL is unset, so mail is captured locally and each login code is printed here.');
    if (input.firstPasswords.length === 0) lines.push('Lost a password? `npx threaddesk agent invite <email> --print` prints a link to set a new one.');
  } else {
    lines.push('Agents get their password by `npx threaddesk agent invite <email>` (or the Agents page, for admins).');
  }
  return lines;
}
