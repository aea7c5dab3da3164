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
    agents: z.array(agent).default([]),
    departments: z.array(department).min(1, { message: 'needs at least one department' }),
    helpTopics: z.array(helpTopic).default([]),
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
    cfg.helpTopics.forEach((t, i) => {
      if (t.department && !deptIds.has(t.department)) {
        ctx.addIssue({ code: 'custom', path: ['helpTopics', i, 'department'], message: `no department with id "${t.department}"` });
      }
    });
  });

export type Config = z.infer<typeof configSchema>;
export type DepartmentConfig = Config['departments'][number];
export type AgentConfig = Config['agents'][number];
