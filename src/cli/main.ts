// The `threaddesk` command line.
import { Command, CommanderError } from 'commander';
import pino from 'pino';
import { loadConfig } from '../config/load-config.js';
import { readEnv } from '../config/env.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import { openStore, startThreaddesk } from '../main.js';
import { runCmd } from './cmd.js';
import { runDoctor } from './doctor.js';
import { registerCommands } from '../../adapters/discord/index.js';
import { runInvite } from '../web/invite-cli.js';
import { runImport } from './import.js';

export async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('threaddesk')
    .description('A self-hosted helpdesk that lives in chat.')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('start')
    .description('Run the server: mail, chat adapters, outbox worker and HTTP on PORT (default 3000).')
    .action(async () => {
      const td = await startThreaddesk();
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          td.logger.info({ signal }, 'signal received');
          td.stop().then(resolve, (err: unknown) => {
            td.logger.error({ err }, 'shutdown failed');
            process.exitCode = 1;
            resolve();
          });
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
    });

  program
    .command('migrate')
    .description('Apply database migrations (also done on start) and sync threaddesk.yaml.')
    .action(async () => {
      const env = readEnv();
      const { database } = await openStore(env, loadConfig().config);
      await database.close();
      console.log(`Database is up to date (${database.kind}: ${database.location}).`);
    });

  program
    .command('cmd')
    .description('Run a chat command from the shell, e.g. threaddesk cmd --as alice@example.org "claim #20261123000001"')
    .requiredOption('--as <email>', 'the agent who acts')
    .option('--json', 'print the resulting ticket(s) as JSON')
    .argument('<command...>', 'the command line, e.g. "status #20261123000001 waiting"')
    .action(async (words: string[], opts: { as: string; json?: boolean }) => {
      process.exitCode = await runCmd(opts.as, words.join(' '), opts.json === true);
    });

  program
    .command('doctor')
    .description('Check the configuration and every connection, and say what to fix.')
    .action(async () => {
      process.exitCode = await runDoctor();
    });

  program
    .command('import')
    .description('Import historic mail (mbox file or Maildir) through the mail pipeline; sends no mail.')
    .argument('<format>', 'mbox or maildir')
    .argument('<path>', 'the mbox file or the Maildir directory')
    .action(async (format: string, location: string) => {
      if (format !== 'mbox' && format !== 'maildir') throw new DomainError('bad_usage', `Unknown format "${format}": use mbox or maildir.`);
      process.exitCode = await runImport(format, location);
    });

  program
    .command('discord')
    .description('Discord helpers.')
    .command('register')
    .description('Register the /ticket application command in the guilds of DISCORD_GUILD_IDS (idempotent; start does it too).')
    .action(async () => {
      const env = readEnv();
      if (!env.discord) throw new DomainError('config', 'Set DISCORD_TOKEN and DISCORD_APPLICATION_ID first.');
      const registered = await registerCommands({ ...env.discord, guildIds: env.discord.guildIds ?? [] });
      console.log(`Registered /ticket in ${env.discord.guildIds?.length ?? 0} guild(s): ${registered.map((c) => `${c.guildId}:${c.commandId}`).join(', ')}`);
    });

  program
    .command('agent')
    .description('Agent accounts.')
    .command('invite')
    .description('Mail an agent a link to set their console password (valid web.inviteLinkDays).')
    .argument('<email>', 'the agent, as listed in threaddesk.yaml')
    .option('--print', 'also print the link here')
    .action(async (email: string, opts: { print?: boolean }) => {
      process.exitCode = await runInvite(email, opts.print === true);
    });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isDomainError(err)) {
      console.error(`error: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    pino({ level: 'error' }).error({ err }, 'threaddesk failed');
    process.exitCode = 1;
  }
}
