// `threaddesk import mbox|maildir` (the real CLI, spawned): threads rebuilt in date order, the
// same mail twice recorded once, nothing mailed, and `show --raw` printing the mails as received.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/create-db.js';
import { outbox } from '../../src/db/schema.js';
import { cleanupCli, cmd, jsonOut, runCli, sandbox } from '../support/cli.js';
import { createPostgresDatabase } from '../support/databases.js';
import { postgresUrlForTests } from '../support/postgres-url.js';
import { buildMail, messageIdOf } from './support.js';

interface Listed {
  number: string;
  subject: string;
  requester: string;
}

describe('threaddesk import', () => {
  afterAll(cleanupCli);

  it('imports an mbox oldest first, rebuilding threads, sending nothing, and show --raw prints the mails', async () => {
    // On PostgreSQL when there is one (each CLI run then starts in well under a second); the
    // Maildir test below covers the embedded database.
    const pg = postgresUrlForTests();
    const url = pg ? await createPostgresDatabase(pg) : null;
    const sb = sandbox(url ? { env: { DATABASE_URL: url } } : {});
    const original = buildMail({ from: 'Olga <olga@customer.example>', to: 'support@threaddesk.test', subject: 'Old request', date: 'Mon, 02 Mar 2026 09:00:00 +0000', body: 'From the archive.\nFrom here on, a line that mbox quotes.' });
    const reply = buildMail({ from: 'olga@customer.example', to: 'support@threaddesk.test', subject: 'Re: Old request', date: 'Tue, 03 Mar 2026 09:00:00 +0000', inReplyTo: messageIdOf(original), body: 'Any news?' });
    const other = buildMail({ from: 'piet@customer.example', to: 'support@threaddesk.test', subject: 'Another one', date: 'Wed, 04 Mar 2026 09:00:00 +0000' });
    const quote = (raw: Buffer) => raw.toString('latin1').replace(/^(>*From )/gm, '>$1');
    // The reply comes first in the file: import must still put it after the original.
    const mbox = [reply, original, other, original].map((m) => `From olga@customer.example Mon Mar  2 09:00:00 2026\n${quote(m)}\n`).join('');
    const file = path.join(sb.dir, 'archive.mbox');
    writeFileSync(file, mbox, 'latin1');

    const r = await runCli(sb, ['import', 'mbox', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Imported 4 mails from .*archive\.mbox: 2 new tickets, 1 added to tickets, .*1 already there.*No mail was sent\./);

    const list = jsonOut<Listed[]>(await cmd(sb, 'admin@threaddesk.test', 'list all', { json: true }));
    const ticket = list.find((t) => t.subject === 'Old request')!;
    expect(ticket.requester).toBe('olga@customer.example');
    const show = jsonOut<{ messages: { kind: string; text: string; createdAt: string }[] }>(await cmd(sb, 'admin@threaddesk.test', `show #${ticket.number}`, { json: true }));
    const customer = show.messages.filter((m) => m.kind === 'customer');
    expect(customer.map((m) => m.text)).toEqual(['From the archive.\nFrom here on, a line that mbox quotes.', 'Any news?']);
    expect(customer.map((m) => m.createdAt.slice(0, 10))).toEqual(['2026-03-02', '2026-03-03']);

    const raw = await cmd(sb, 'admin@threaddesk.test', `show #${ticket.number} --raw`);
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stdout).toContain(`Message-ID: <${messageIdOf(original)}>`);
    expect(raw.stdout).toContain('\nFrom here on, a line that mbox quotes.');
    expect(raw.stdout).toContain(`In-Reply-To: <${messageIdOf(original)}>`);

    const database = await createDb(url ? { databaseUrl: url } : { dataDir: path.join(sb.dir, 'data') });
    try {
      const mail = (await database.db.select().from(outbox)).filter((o) => o.sink === 'mail');
      expect(mail).toEqual([]);
    } finally {
      await database.close();
    }
  }, 180_000); // five CLI runs (on PGlite ~3.5 s each, far more on a loaded machine)

  it('imports a Maildir and says what is wrong with a path that is not one', async () => {
    const sb = sandbox();
    const dir = path.join(sb.dir, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, 'cur', '1700000000.1.host:2,S'), buildMail({ from: 'quinn@customer.example', to: 'support@threaddesk.test', subject: 'From a Maildir' }));
    writeFileSync(path.join(dir, 'new', '1700000001.2.host'), buildMail({ from: 'rosa@customer.example', to: 'support@threaddesk.test', subject: 'Also from a Maildir' }));
    const r = await runCli(sb, ['import', 'maildir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Imported 2 mails .*: 2 new tickets/);
    const bad = await runCli(sb, ['import', 'maildir', sb.dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not a Maildir: it has neither cur\/ nor new\//);
  }, 120_000);
});
