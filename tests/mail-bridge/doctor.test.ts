import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServer } from '../servers/availability.js';
import { startDovecot, type RunningDovecot } from '../servers/dovecot.js';
import { cleanupCli, runCli, sandbox } from '../support/cli.js';
import { IMAP_PASSWORD, imapUrl } from './imap-support.js';
import { startRecordingSmtp, type RecordingSmtp } from './recording-smtp.js';

const config = `
agents: [{ email: alice@example.org, name: Alice }]
departments:
  - { id: support, name: Support, emails: [helpdesk@example.test], members: [{ agent: alice@example.org, access: write }] }
`;

describeWithServer('dovecot', 'threaddesk doctor checks the mail connections', () => {
  let dovecot: RunningDovecot;
  let smtp: RecordingSmtp;
  beforeAll(async () => {
    dovecot = await startDovecot([{ user: 'helpdesk@example.test', password: IMAP_PASSWORD }]);
    smtp = await startRecordingSmtp();
  });
  afterAll(async () => {
    await cleanupCli();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('says ok when SMTP and IMAP accept us', async () => {
    const r = await runCli(sandbox({ config, env: { SMTP_URL: smtp.url, IMAP_URL: imapUrl(dovecot, 'helpdesk@example.test'), SMTP_LISTEN: 'off' } }), ['doctor']);
    expect(r.stdout).toMatch(/ok\s+mail: SMTP_URL: 127\.0\.0\.1 accepts our login/);
    expect(r.stdout).toMatch(/ok\s+mail: IMAP_URL: helpdesk@example\.test@127\.0\.0\.1: INBOX has 0 message/);
    expect(r.code).toBe(0);
  });

  it('names what to fix when the IMAP password is wrong or the SMTP server is down', async () => {
    const badImap = imapUrl(dovecot, 'helpdesk@example.test').replace(`:${IMAP_PASSWORD}@`, ':wrong@');
    const r = await runCli(sandbox({ config, env: { SMTP_URL: 'smtp://127.0.0.1:1', IMAP_URL: badImap, SMTP_LISTEN: 'off' } }), ['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FIX\s+mail: SMTP_URL: 127\.0\.0\.1: .*check host, port, user and password/);
    expect(r.stdout).toMatch(/FIX\s+mail: IMAP_URL: .*check the URL, the password/);
  });
});
