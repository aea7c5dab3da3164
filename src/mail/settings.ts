// What the mail bridge needs from threaddesk.yaml and the environment, resolved once at start:
// which department owns which address, our own addresses (loop protection), the limits.
import type { Config } from '../config/schema.js';
import { baseAddress, normaliseAddress } from './addresses.js';

export interface MailDepartment {
  id: string;
  name: string;
  emails: string[];
  internal: boolean;
  muted: boolean;
}

export interface MailSettings {
  departments: MailDepartment[];
  /** Every department address: mail from these is never auto-answered. */
  ownAddresses: string[];
  subjectToken: string;
  numberPrefix: string;
  maxMessageBytes: number;
  autoReplyLimitPerHour: number;
  acknowledge: boolean;
  /** Without a trailing slash. */
  publicUrl: string;
  /** Days the status link in an acknowledgement stays valid (web.statusLinkDays). */
  statusLinkDays: number;
  messageIdDomain: string;
  rejected: { departmentId: string | null; answer: string; allow: string[] };
}

export function mailSettings(config: Config, port: number): MailSettings {
  const departments = config.departments.map((d) => ({ id: d.id, name: d.name, emails: d.emails, internal: d.internal, muted: d.muted }));
  const ownAddresses = departments.flatMap((d) => d.emails);
  const firstDomain = ownAddresses[0]?.split('@')[1];
  return {
    departments,
    ownAddresses,
    subjectToken: config.tickets.subjectToken,
    numberPrefix: config.tickets.numberPrefix,
    maxMessageBytes: config.mail.maxMessageBytes,
    autoReplyLimitPerHour: config.mail.autoReplyLimitPerHour,
    acknowledge: config.mail.acknowledge,
    publicUrl: (config.mail.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    statusLinkDays: config.web.statusLinkDays,
    messageIdDomain: config.mail.messageIdDomain ?? firstDomain ?? 'threaddesk.invalid',
    rejected: { departmentId: config.mail.rejected.department ?? null, answer: config.mail.rejected.answer, allow: config.mail.rejected.allow },
  };
}

/** The department owning an address (plus-tags ignored), or null. */
export function departmentForAddress(settings: MailSettings, address: string): MailDepartment | null {
  const base = baseAddress(address);
  if (!base) return null;
  return settings.departments.find((d) => d.emails.some((e) => baseAddress(e) === base)) ?? null;
}

/** Whether a sender is on the allow-list of the rejected-requests rule. */
export function allowedToInternal(settings: MailSettings, sender: string): boolean {
  const address = normaliseAddress(sender);
  if (!address) return false;
  return settings.rejected.allow.some((entry) => (entry.startsWith('@') ? address.endsWith(entry) : baseAddress(entry) === baseAddress(address)));
}

/** The address we write from for a department: its first address, else the first one we have. */
export function fromAddressOf(settings: MailSettings, departmentId: string): { name: string; address: string } {
  const d = settings.departments.find((x) => x.id === departmentId);
  const address = d?.emails[0] ?? settings.ownAddresses[0] ?? `helpdesk@${settings.messageIdDomain}`;
  return { name: d?.name ?? 'Helpdesk', address };
}
