// threaddesk.yaml, validated with zod. Strict objects: a misspelt key is an error, not ignored.
import { z } from 'zod';
import { validateFormat } from '../domain/numbering.js';

const email = z.string().trim().toLowerCase().pipe(z.email({ message: 'must be an email address' }));
const id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'must be lowercase letters, digits, - or _' });

const agent = z.strictObject({
  email,
  name: z.string().min(1),
  role: z.enum(['agent', 'admin']).default('agent'),
  slack: z.string().optional(),
  matrix: z.string().optional(),
  discord: z.string().optional(),
});

const member = z.strictObject({ agent: email, access: z.enum(['read', 'write']) });

const department = z.strictObject({
  id,
  name: z.string().min(1),
  emails: z.array(email).default([]),
  muted: z.boolean().default(false),
  /** Mail to these addresses that matches no ticket is rejected (seed 001 "rejected requests"). */
  internal: z.boolean().default(false),
  channels: z
    .strictObject({ slack: z.string().optional(), matrix: z.string().optional(), discord: z.string().optional(), web: z.string().optional() })
    .default({}),
  members: z.array(member).default([]),
});

const field = z.strictObject({
  id,
  label: z.string().min(1),
  type: z.enum(['text', 'checkbox', 'select', 'date']),
  options: z.array(z.string()).default([]),
  requiredToClose: z.boolean().default(false),
});

/** An address ("partner@example.org") or a whole domain ("@example.org"). */
const addressOrDomain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^([^@\s]+@|@)[^@\s]+\.[^@\s]+$/, { message: 'must be an address (a@b.org) or a domain (@b.org)' });

const mail = z.strictObject({
  /** Base of the status link in acknowledgements; default http://localhost:<PORT>. */
  publicUrl: z.url({ message: 'must be a URL' }).optional(),
  /** Total size of one inbound mail; larger mail is refused with a polite explanation. */
  maxMessageBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
  /** At most this many automatic mails to one sender per hour (RFC 3834 loop protection). */
  autoReplyLimitPerHour: z.number().int().min(0).default(5),
  /** Send an acknowledgement with the ticket number and status link for every new ticket. */
  acknowledge: z.boolean().default(true),
  /** Domain of our Message-IDs; default: the domain of the first department address. */
  messageIdDomain: z.string().optional(),
  /** Seed 001 "rejected requests": mail to an `internal: true` address that matches no ticket. */
  rejected: z
    .strictObject({
      /** Where such mail is filed (closed); default: the department owning the address. */
      department: id.optional(),
      answer: z
        .string()
        .min(1)
        .default(
          'Thank you for your message. This address does not take new requests, so your message was filed without being read.\n\nTo reach us, please reply to a mail you received from us about an existing request, or use the contact form on our website.',
        ),
      /** Senders (addresses or @domains) whose mail to internal addresses is accepted. */
      allow: z.array(addressOrDomain).default([]),
    })
    .prefault({}),
  imap: z
    .strictObject({
      /** Department of the IMAP_URL mailbox; default: the one owning its user's address, else the first. */
      department: id.optional(),
      /** Move processed mail here after it is stored (it is flagged \\Seen either way). */
      processedFolder: z.string().min(1).optional(),
      /** Poll fallback for servers or connections without IDLE. */
      pollSeconds: z.number().int().min(1).max(3600).default(60),
    })
    .prefault({}),
  /** More mailboxes: the URL (with its password) stays in the environment variable named here. */
  mailboxes: z.array(z.strictObject({ urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'must be an environment variable name' }), department: id })).default([]),
});

const helpTopic = z.strictObject({
  id,
  name: z.string().min(1),
  department: id.optional(),
  fields: z.array(field).default([]),
});

export const configSchema = z
  .strictObject({
    tickets: z
      .strictObject({
        numberPrefix: z.string().regex(/^[A-Za-z0-9#_-]*$/, { message: 'may only contain letters, digits, #, - and _' }).default(''),
        numberFormat: z
          .string()
          .default('{date}{seq:6}')
          .superRefine((v, ctx) => {
            const problem = validateFormat(v);
            if (problem) ctx.addIssue({ code: 'custom', message: problem });
          }),
        /** What precedes the number in `[#20261123000001]` subject tokens. */
        subjectToken: z.string().default('#'),
      })
      .default({ numberPrefix: '', numberFormat: '{date}{seq:6}', subjectToken: '#' }),
    chat: z
      .strictObject({
        notePrefixes: z.array(z.string().min(1)).default(['note:', '//']),
        replyPrefixes: z.array(z.string().min(1)).default(['reply:']),
        threadDefault: z.enum(['reply', 'note']).default('reply'),
        undoSeconds: z.number().int().min(0).max(600).default(30),
        reactions: z.record(z.string(), z.string()).optional(),
      })
      .default({ notePrefixes: ['note:', '//'], replyPrefixes: ['reply:'], threadDefault: 'reply', undoSeconds: 30 }),
    web: z
      .strictObject({
        /** auto: the visitor's browser decides (Accept-Language); de or en fixes the language. */
        language: z.enum(['auto', 'de', 'en']).default('auto'),
        /** Used with language auto when the browser asks for neither German nor English. */
        defaultLanguage: z.enum(['de', 'en']).default('en'),
        /** How long the link to a ticket's status page works. */
        statusLinkDays: z.number().int().min(1).max(365).default(30),
        /** How long an invite link (to set a password) works. */
        inviteLinkDays: z.number().int().min(1).max(60).default(7),
        /** How long an agent stays logged in to the console. */
        sessionHours: z.number().int().min(1).max(720).default(12),
        /** Total size of the attachments of one form submission or reply. */
        maxAttachmentMb: z.number().min(1).max(100).default(8),
        /** Departments the contact form offers (default: every department that is not muted). */
        contactDepartments: z.array(id).optional(),
        /** Signs the customer mails ("— Support team"). */
        teamName: z.string().min(1).optional(),
      })
      .prefault({}),
    agents: z.array(agent).default([]),
    departments: z.array(department).min(1, { message: 'needs at least one department' }),
    helpTopics: z.array(helpTopic).default([]),
    mail: mail.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const agentEmails = new Set(cfg.agents.map((a) => a.email));
    const deptIds = new Set<string>();
    cfg.departments.forEach((d, i) => {
      if (deptIds.has(d.id)) ctx.addIssue({ code: 'custom', path: ['departments', i, 'id'], message: `duplicate department id "${d.id}"` });
      deptIds.add(d.id);
      d.members.forEach((m, j) => {
        if (!agentEmails.has(m.agent)) {
          ctx.addIssue({ code: 'custom', path: ['departments', i, 'members', j, 'agent'], message: `"${m.agent}" is not listed under agents` });
        }
      });
    });
    const seen = new Map<string, string>();
    cfg.departments.forEach((d, i) =>
      d.emails.forEach((e, j) => {
        const other = seen.get(e);
        if (other) ctx.addIssue({ code: 'custom', path: ['departments', i, 'emails', j], message: `"${e}" already belongs to department "${other}"` });
        seen.set(e, d.id);
      }),
    );
    const emails = new Set<string>();
    cfg.agents.forEach((a, i) => {
      if (emails.has(a.email)) ctx.addIssue({ code: 'custom', path: ['agents', i, 'email'], message: `duplicate agent "${a.email}"` });
      emails.add(a.email);
    });
    const mailDepartments: [string | undefined, (string | number)[]][] = [
      [cfg.mail.rejected.department, ['mail', 'rejected', 'department']],
      [cfg.mail.imap.department, ['mail', 'imap', 'department']],
      ...cfg.mail.mailboxes.map((m, i): [string, (string | number)[]] => [m.department, ['mail', 'mailboxes', i, 'department']]),
    ];
    for (const [dept, path] of mailDepartments) {
      if (dept && !deptIds.has(dept)) ctx.addIssue({ code: 'custom', path, message: `no department with id "${dept}"` });
    }
    cfg.web.contactDepartments?.forEach((d, i) => {
      if (!deptIds.has(d)) ctx.addIssue({ code: 'custom', path: ['web', 'contactDepartments', i], message: `no department with id "${d}"` });
    });
    cfg.helpTopics.forEach((t, i) => {
      if (t.department && !deptIds.has(t.department)) {
        ctx.addIssue({ code: 'custom', path: ['helpTopics', i, 'department'], message: `no department with id "${t.department}"` });
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
export type DepartmentConfig = Config['departments'][number];
export type AgentConfig = Config['agents'][number];
export type MailConfig = Config['mail'];
