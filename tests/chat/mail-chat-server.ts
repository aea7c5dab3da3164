// A running threaddesk with both bridges on loopback: its SMTP listener, a recording SMTP server
// for what it mails out, and whichever chat platforms the test points at its doubles.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Env } from '../../src/config/env.js';
import { parseConfig } from '../../src/config/load-config.js';
import { startThreaddesk, type Threaddesk } from '../../src/main.js';
import { startRecordingSmtp, type RecordingSmtp } from '../mail-bridge/recording-smtp.js';
import { freePort } from '../servers/postgres.js';

export interface MailChatServer {
  td: Threaddesk;
  smtp: RecordingSmtp;
  /** Port of threaddesk's SMTP listener (for sendRaw). */
  listenPort: number;
  /** Polls `probe` (nudging the outbox) until it gives something; bounded, then throws naming `what`. */
  until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, tries?: number): Promise<T>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startMailChatServer(options: { chat: Pick<Env, 'slack' | 'discord' | 'matrix'>; config: unknown }): Promise<MailChatServer> {
  const smtp = await startRecordingSmtp();
  const listenPort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'threaddesk-mail-chat-'));
  const td = await startThreaddesk({
    env: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'warn', smtpListen: `127.0.0.1:${listenPort}`, smtpUrl: smtp.url, ...options.chat },
    config: parseConfig(options.config),
    logger: pino({ level: 'warn' }),
  });
  return {
    td,
    smtp,
    listenPort,
    async until(what, probe, tries = 400) {
      for (let i = 0; i < tries; i++) {
        td.worker.poke();
        const found = await probe();
        if (found !== undefined && found !== false) return found;
        await sleep(50);
      }
      throw new Error(`timed out waiting for ${what}`);
    },
    async stop() {
      await td.stop();
      await smtp.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
