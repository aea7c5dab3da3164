// Through the SMTP listener of a real `threaddesk start` (the embedded demo, spawned), with
// outgoing mail going to a real SMTP server that records it: what SPEC §4/§9 promise to show.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { which } from '../servers/availability.js';
import { freePort } from '../servers/postgres.js';
import { cleanupCli, cmd, jsonOut, sandbox, startServer, type RunningServer, type Sandbox } from '../support/cli.js';
import { startRecordingSmtp, sendRaw, type RecordingSmtp } from './recording-smtp.js';
import { buildMail, messageIdOf } from './support.js';

const DEMO = 'support@threaddesk.test';
const haveCurl = which('curl') !== null;
if (!haveCurl) console.warn('skipping the banner example test: curl is not installed');

interface Shown {
  number: string;
  messages: { kind: string; author: string; text: string }[];
}

describe('mail through the SMTP listener of threaddesk start', { timeout: 120_000 }, () => {
  let smtp: RecordingSmtp;
  let sb: Sandbox;
  let server: RunningServer;
  let smtpPort: number;

  beforeAll(async () => {
    smtp = await startRecordingSmtp();
    smtpPort = await freePort();
    sb = sandbox();
    server = await startServer(sb, { env: { SMTP_LISTEN: `127.0.0.1:${smtpPort}`, SMTP_URL: smtp.url } });
  });
  afterAll(async () => {
    await server?.stop();
    await smtp?.close();
    await cleanupCli();
  });

  const send = (raw: Buffer, to = DEMO) => sendRaw(smtpPort, raw, { from: 'sender@customer.example', to: [to] });
  const show = async (number: string) => jsonOut<Shown>(await cmd(sb, 'admin@threaddesk.test', `show #${number}`, { json: true }));
  const numberOf = (answer: string) => /#(\S+)$/.exec(answer)![1]!;

  it('a mail to the demo address opens a ticket and the requester gets an acknowledgement', async () => {
    const raw = buildMail({ from: 'Carla <carla@customer.example>', to: DEMO, subject: 'Printer jammed' });
    const answer = await send(raw);
    expect(answer).toMatch(/^250 .*created #\S+$/);
    const ack = await smtp.waitFor((m) => m.to.includes('carla@customer.example'));
    expect(ack.header('auto-submitted')).toBe('auto-replied');
    expect(ack.parsed.inReplyTo).toEqual([messageIdOf(raw)]);
    const number = numberOf(answer);
    expect(ack.parsed.subject).toBe(`Re: Printer jammed [#${number}]`);
    expect(ack.parsed.text).toMatch(new RegExp(`${server.url.replace('127.0.0.1', 'localhost')}/t/\\S+`));

    // The customer answers the acknowledgement: same ticket.
    const reply = buildMail({ from: 'carla@customer.example', to: DEMO, subject: ack.parsed.subject, inReplyTo: ack.parsed.messageId!, body: 'It is the tray, not the drum.' });
    expect(await send(reply)).toMatch(new RegExp(`appended #${number}$`));
    const shown = await show(number);
    expect(shown.messages.filter((m) => m.kind === 'customer').map((m) => m.text)).toEqual(['Hello, the printer shows error E42 since this morning.', 'It is the tray, not the drum.']);

    // An agent's reply from the shell reaches the customer with threading headers.
    const r = await cmd(sb, 'admin@threaddesk.test', `reply #${number} A new tray is on its way.`);
    expect(r.code, r.stderr).toBe(0);
    const out = await smtp.waitFor((m) => m.parsed.text.includes('A new tray is on its way.'));
    expect(out.to).toEqual(['carla@customer.example']);
    expect(out.parsed.subject).toBe(`Re: Printer jammed [#${number}]`);
    expect(out.parsed.inReplyTo).toEqual([messageIdOf(reply)]);
    expect(out.parsed.references).toEqual([messageIdOf(raw), ack.parsed.messageId, messageIdOf(reply)]);
    expect(out.parsed.messageId).toMatch(/@threaddesk\.test$/);
  });

  it('an auto-submitted mail opens a ticket but gets no acknowledgement', async () => {
    const auto = buildMail({ from: 'robot@monitoring.example', to: DEMO, subject: 'Disk full on db1', headers: { 'Auto-Submitted': 'auto-generated' } });
    const answer = await send(auto);
    expect(answer).toMatch(/created #/);
    expect((await show(numberOf(answer))).messages.some((m) => m.kind === 'customer')).toBe(true);
    // A later human mail is acknowledged; by then the robot's would have been sent too.
    await send(buildMail({ from: 'human@customer.example', to: DEMO }));
    await smtp.waitFor((m) => m.to.includes('human@customer.example'));
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.mails.filter((m) => m.to.includes('robot@monitoring.example'))).toHaveLength(0);
  });

  it('refuses recipients that are not ours with 550, and accepts plus-addresses', async () => {
    await expect(send(buildMail({ to: 'someone@elsewhere.example' }), 'someone@elsewhere.example')).rejects.toMatchObject({ responseCode: 550 });
    expect(await send(buildMail({ to: 'support+42@threaddesk.test' }), 'support+42@threaddesk.test')).toMatch(/^250/);
  });

  // The example pipes into curl, which a minimal machine may lack; then there is nothing to run.
  it.skipIf(!haveCurl)('prints a banner example that works as printed', async () => {
    const line = server.output().stderr.split('\n').find((l) => l.includes('| curl'));
    expect(line, server.output().stderr).toBeDefined();
    const before = smtp.mails.length;
    await new Promise<void>((resolve, reject) => execFile('bash', ['-c', line!.trim()], { timeout: 15_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve())));
    const ack = await smtp.waitFor((m) => m.to.includes('you@example.org'));
    expect(smtp.mails.length).toBeGreaterThan(before);
    expect(ack.parsed.subject).toMatch(/^Re: Printer jammed \[#\S+\]$/);
  });
});
