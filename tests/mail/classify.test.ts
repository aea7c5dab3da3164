// Loop-protection rules one header at a time, on small mails built in the test.
import { describe, expect, it } from 'vitest';
import { autoMailPolicy, detectBounce, isBulk, parseMail, type ParsedMail } from '../../src/mail/index.js';

const OURS = ['support@example.org'];

function mail(headers: Record<string, string>, body = 'Hello, my printer is broken.'): Promise<ParsedMail> {
  const all: Record<string, string> = {
    From: 'Jane Doe <jane@example.com>',
    To: 'support@example.org',
    Subject: 'Printer',
    'Message-ID': '<m1@example.com>',
    ...headers,
  };
  const head = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n');
  return parseMail(Buffer.from(`${head}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`));
}

describe('autoMailPolicy', () => {
  it('allows an ordinary customer mail', async () => {
    expect(autoMailPolicy(await mail({}), OURS)).toEqual({ mayAutoReply: true });
    expect(autoMailPolicy(await mail({ 'Auto-Submitted': 'no' }), OURS)).toEqual({ mayAutoReply: true });
    expect(autoMailPolicy(await mail({ Precedence: 'first-class' }), OURS)).toEqual({ mayAutoReply: true });
  });

  it.each([
    ['Auto-Submitted: auto-generated', { 'Auto-Submitted': 'auto-generated' }],
    ['Auto-Submitted with a comment', { 'Auto-Submitted': 'auto-replied; owner-email="x@example.com"' }],
    ['Precedence: junk', { Precedence: 'junk' }],
    ['Precedence: list', { Precedence: 'List' }],
    ['List-Id', { 'List-Id': 'Users <users.lists.example.com>' }],
    ['List-Unsubscribe', { 'List-Unsubscribe': '<mailto:leave@lists.example.com>' }],
    ['X-Autoreply', { 'X-Autoreply': 'yes' }],
    ['X-Autorespond', { 'X-Autorespond': 'Out of office' }],
    ['X-Auto-Response-Suppress', { 'X-Auto-Response-Suppress': 'DR, OOF, AutoReply' }],
    ['null Return-Path', { 'Return-Path': '<>' }],
    ['mailer-daemon', { From: 'MAILER-DAEMON@mx.example.net' }],
    ['postmaster', { From: 'Postmaster <postmaster@example.net>' }],
    ['noreply', { From: 'Shop <noreply@shop.example.com>' }],
    ['no-reply with suffix', { From: 'no-reply-billing@shop.example.com' }],
    ['do-not-reply', { From: 'do-not-reply@shop.example.com' }],
    ['donotreply', { From: 'DoNotReply@shop.example.com' }],
    ['our own address', { From: 'Support <Support@Example.org>' }],
    ['our own plus-address', { From: 'support+20261123000042@example.org' }],
    ['Reply-To pointing at us', { 'Reply-To': 'support@example.org' }],
    ['no sender at all', { From: '' }],
  ])('refuses: %s', async (_name, headers) => {
    const policy = autoMailPolicy(await mail(headers), OURS);
    expect(policy.mayAutoReply).toBe(false);
    expect(policy.reason).toBeTruthy();
  });

  it('does not mistake look-alikes for no-reply or own addresses', async () => {
    expect(autoMailPolicy(await mail({ From: 'noreplyinga@example.com' }), OURS).mayAutoReply).toBe(true);
    expect(autoMailPolicy(await mail({ From: 'support@example.org.evil.test' }), OURS).mayAutoReply).toBe(true);
    expect(autoMailPolicy(await mail({ From: 'postmaster.jane@example.com' }), OURS).mayAutoReply).toBe(true);
  });
});

describe('isBulk', () => {
  it('is true for list and bulk mail only', async () => {
    expect(isBulk(await mail({ Precedence: 'bulk' }))).toBe(true);
    expect(isBulk(await mail({ 'List-Id': '<news.example.com>' }))).toBe(true);
    expect(isBulk(await mail({ 'Auto-Submitted': 'auto-replied' }))).toBe(false);
    expect(isBulk(await mail({}))).toBe(false);
  });
});

describe('detectBounce', () => {
  it('does not treat out-of-office replies or customer complaints about bounces as bounces', async () => {
    expect(detectBounce(await mail({ 'Auto-Submitted': 'auto-replied', Subject: 'Out of office' }))).toBeNull();
    expect(detectBounce(await mail({ Subject: 'Your mail was undeliverable??' }))).toBeNull();
  });

  it('recognises a daemon’s "Undelivered Mail" notice and reads a Postfix-style recipient', async () => {
    const p = await mail(
      { From: 'MAILER-DAEMON@mx.example.net', Subject: 'Undelivered Mail Returned to Sender' },
      '<gone@example.com>: host mx.example.com said: 550 5.1.1 User unknown',
    );
    expect(detectBounce(p)).toEqual({ recipient: 'gone@example.com', status: '5.1.1' });
  });
});
