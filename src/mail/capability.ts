// The mail bridge as a capability: the outbox's `mail` sink (SMTP_URL, or captured locally),
// the SMTP listener (SMTP_LISTEN; on by default in the embedded demo) and one IMAP intake per
// configured mailbox (IMAP_URL and mail.mailboxes).
import type { Capability, CapabilityContext, StartedCapability } from '../capability.js';
import { DomainError } from '../domain/errors.js';
import { ImapIntake, parseImapUrl, type MailboxSpec } from './imap-intake.js';
import type { IntakeDeps } from './intake.js';
import { MailSink } from './mail-sink.js';
import { postgresMailboxLock } from './mailbox-lock.js';
import { departmentForAddress, mailSettings, type MailSettings } from './settings.js';
import { parseListenAddress, startSmtpListener, type SmtpListener } from './smtp-listener.js';
import { NewTicketBatcher } from './new-ticket-batcher.js';
import { TicketNumberBlocks } from './ticket-numbers.js';
import { captureTransport, smtpTransport } from './transport.js';

const DEMO_LISTEN = '127.0.0.1:2525';

export const mailCapability: Capability = {
  name: 'mail',
  async start(ctx: CapabilityContext): Promise<StartedCapability> {
    const { env, config, database, logger } = ctx;
    const log = logger.child({ capability: 'mail' });
    const settings = mailSettings(config, env.port);
    const transport = env.smtpUrl ? smtpTransport(env.smtpUrl) : captureTransport(database.db, log);
    const deps: IntakeDeps = { tickets: ctx.tickets, settings, autoMail: true, logger: log, numbers: new TicketNumberBlocks(ctx.tickets), newTickets: new NewTicketBatcher(ctx.tickets.db) };
    const mailboxes = mailboxSpecs(ctx, settings);
    const listen = listenAddress(ctx);
    let listener: SmtpListener | null = null;
    let listenerProblem: string | null = null;
    const intakes: ImapIntake[] = [];

    return {
      sinks: { mail: new MailSink(database.db, settings, transport) },
      async afterListen(port) {
        if (!config.mail.publicUrl) settings.publicUrl = `http://localhost:${port}`;
        if (listen) {
          try {
            listener = await startSmtpListener(deps, listen.address, { afterIngest: () => ctx.pokeOutbox(), logger: log });
            log.info({ host: listener.host, port: listener.port }, 'smtp listener ready');
          } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            // The demo default must not stop the server when 2525 is taken; an explicit SMTP_LISTEN must.
            if (listen.explicit) throw new DomainError('config', `SMTP_LISTEN=${env.smtpListen}: cannot listen there (${message}).`);
            listenerProblem = `SMTP listener off: ${DEMO_LISTEN} is not free (${message}); set SMTP_LISTEN=host:port`;
            log.warn(listenerProblem);
          }
        }
        for (const spec of mailboxes) {
          const intake = new ImapIntake(spec, deps, {
            pollSeconds: config.mail.imap.pollSeconds,
            processedFolder: config.mail.imap.processedFolder,
            lock: env.databaseUrl ? postgresMailboxLock(env.databaseUrl, `imap:${spec.url.replace(/\/\/[^@]*@/, '//')}`) : undefined,
            logger: log,
            afterIngest: () => ctx.pokeOutbox(),
          });
          intakes.push(intake);
          intake.start();
        }
      },
      banner() {
        const lines = [`Mail out: ${transport.description}`];
        if (listener) {
          const at = `${listener.host}:${listener.port}`;
          const to = settings.ownAddresses[0] ?? 'support@example.org';
          lines.push(`Mail in:  SMTP listener on ${at} for ${settings.ownAddresses.join(', ')}. Try:`);
          lines.push(
            `  printf 'From: you@example.org\\r\\nTo: ${to}\\r\\nSubject: Printer jammed\\r\\n\\r\\nThe printer on floor 2 is jammed.\\r\\n' | curl -sS smtp://${at} --mail-from you@example.org --mail-rcpt ${to} -T -`,
          );
        } else if (listenerProblem) {
          lines.push(`Mail in:  ${listenerProblem}`);
        }
        for (const i of intakes) lines.push(`Mail in:  IMAP ${i.label} (IDLE, poll every ${config.mail.imap.pollSeconds} s)`);
        return lines;
      },
      async stop() {
        await Promise.all(intakes.map((i) => i.stop()));
        await listener?.close();
        transport.close();
      },
    };
  },
};

/** SMTP_LISTEN wins; "off" disables; without it the listener runs only in the embedded demo. */
function listenAddress(ctx: CapabilityContext): { address: { host: string; port: number }; explicit: boolean } | null {
  const value = ctx.env.smtpListen;
  if (value && ['off', 'false', '0', 'no'].includes(value.toLowerCase())) return null;
  if (value) return { address: parseListenAddress(value), explicit: true };
  if (ctx.env.imapUrl || ctx.env.databaseUrl) return null;
  return { address: parseListenAddress(DEMO_LISTEN), explicit: false };
}

function mailboxSpecs(ctx: CapabilityContext, settings: MailSettings): MailboxSpec[] {
  const specs: MailboxSpec[] = [];
  const { env, config } = ctx;
  if (env.imapUrl) {
    const user = parseImapUrl(env.imapUrl).user;
    const departmentId = config.mail.imap.department ?? departmentForAddress(settings, user)?.id ?? settings.departments[0]!.id;
    specs.push({ url: env.imapUrl, departmentId });
  }
  config.mail.mailboxes.forEach((m, i) => {
    const url = process.env[m.urlEnv];
    if (!url) throw new DomainError('config', `mail.mailboxes[${i}] names ${m.urlEnv}, but that environment variable is not set.`);
    parseImapUrl(url);
    specs.push({ url, departmentId: m.department });
  });
  return specs;
}
