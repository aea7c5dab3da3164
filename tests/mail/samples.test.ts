// Hand-written mails under tests/mail/samples/: the behaviour every clone must check, without the
// shared third-party fixtures.
import { describe, expect, it } from 'vitest';
import {
  autoMailPolicy,
  detectBounce,
  isBulk,
  ticketNumberFromPlusAddress,
  ticketNumberFromSubject,
} from '../../src/mail/index.js';
import { sample } from './helpers.js';

const OURS = ['support@example.org', 'billing@example.org'];

describe('German reply with "Am … schrieb …:" quote (ISO-8859-1 quoted-printable)', () => {
  it('decodes headers and body, and threads by Message-ID and subject token', async () => {
    const p = await sample('german-reply.eml');
    expect(p.from).toEqual({ address: 'erika.musterfrau@example.net', name: 'Erika Müsterfrau' });
    expect(p.subject).toBe('AW: Drucker druckt nur noch leere Seiten [#20261123000042]');
    expect(p.messageId).toBe('a1b2c3d4.erika@mail.example.net');
    expect(p.inReplyTo).toEqual(['k3f9.x1@threaddesk.example.org']);
    expect(p.references).toEqual(['first.0001@mail.example.net', 'k3f9.x1@threaddesk.example.org']);
    expect(ticketNumberFromSubject(p.subject)).toBe('20261123000042');
    expect(p.text).toContain('Grüße aus Köln!');
  });

  it('shows only the new text: no quote, no attribution line, no signature', async () => {
    const p = await sample('german-reply.eml');
    expect(p.visibleText).toBe(
      'Hallo Herr Becker,\n\nder Treiber ist jetzt neu installiert, aber das Problem besteht weiterhin.\n' +
        'Die Testseite kommt ebenfalls leer heraus. Grüße aus Köln!\n\nViele Grüße\nErika Müsterfrau',
    );
    expect(p.replyText).toContain('Musterfirma GmbH, Buchhaltung');
    expect(p.replyText).not.toContain('schrieb');
    expect(autoMailPolicy(p, OURS)).toEqual({ mayAutoReply: true });
  });
});

describe('Outlook reply with "Von:/Gesendet:" block and "-----Ursprüngliche Nachricht-----"', () => {
  it('cuts the whole quoted history', async () => {
    const p = await sample('outlook-german-reply.eml');
    expect(p.visibleText).toBe('Danke, der Zugang funktioniert wieder.\n\nJan Schmidt');
  });
});

describe('HTML-only mail with script and javascript: links', () => {
  it('becomes readable text without script, style or head content', async () => {
    const p = await sample('html-only-script.eml');
    expect(p.html).toBe(true);
    expect(p.text.startsWith('Ihre Rechnung Nr. 4711\n\nSehr geehrte Damen und Herren,')).toBe(true);
    expect(p.text).toContain('Mit freundlichen Grüßen\nBuchhaltung');
    for (const bad of ['alert', 'in-head-script', 'secret', 'color: red', 'onload', '<']) {
      expect(p.text).not.toContain(bad);
    }
  });

  it('keeps a javascript: link as plain text only, and shows http links as "text (url)"', async () => {
    const p = await sample('html-only-script.eml');
    expect(p.text).toContain('bitte öffnen Sie die Rechnung oder klicken Sie hier.');
    expect(p.text.toLowerCase()).not.toContain('javascript');
    expect(p.text).toContain('auf unserer Website (https://shop.example.net/agb)');
    expect(p.text).not.toContain('tracker.example.net');
  });
});

describe('auto-reply with Auto-Submitted: auto-replied', () => {
  it('gets no automatic answer, but is an ordinary (non-bulk, non-bounce) mail', async () => {
    const p = await sample('auto-reply.eml');
    expect(autoMailPolicy(p, OURS)).toEqual({ mayAutoReply: false, reason: 'Auto-Submitted: auto-replied' });
    expect(isBulk(p)).toBe(false);
    expect(detectBounce(p)).toBeNull();
  });
});

describe('newsletter reply with Precedence: bulk', () => {
  it('is bulk and gets no automatic answer', async () => {
    const p = await sample('newsletter-bulk.eml');
    expect(isBulk(p)).toBe(true);
    expect(autoMailPolicy(p, OURS)).toEqual({ mayAutoReply: false, reason: 'Precedence: bulk' });
  });
});

describe('plus-addressed reply', () => {
  it('finds the ticket number in the department plus-address, not in the customer’s own', async () => {
    const p = await sample('plus-addressed.eml');
    expect(p.to).toEqual([{ address: 'support+20261123000042@example.org', name: 'Example Support' }]);
    expect(ticketNumberFromSubject(p.subject)).toBeNull();
    expect(p.to.map((a) => ticketNumberFromPlusAddress(a.address, OURS))).toEqual(['20261123000042']);
    expect(ticketNumberFromPlusAddress(p.from?.address ?? '', OURS)).toBeNull();
    expect(p.visibleText).toBe('It works again, thank you!');
    expect(autoMailPolicy(p, OURS)).toEqual({ mayAutoReply: true });
  });
});

describe('bounces', () => {
  it('multipart/report with text/rfc822-headers: recipient, status and our Message-ID', async () => {
    const p = await sample('bounce-rfc822-headers.eml');
    expect(detectBounce(p)).toEqual({
      recipient: 'jane.old@example.com',
      status: '5.1.10',
      action: 'failed',
      diagnostic: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup',
      originalMessageId: 'td.8f2k1.a9@threaddesk.example.org',
    });
    expect(p.attachments.map((a) => a.filename)).toEqual(['Delivery report.txt', 'Returned headers.txt']);
    expect(autoMailPolicy(p, OURS).mayAutoReply).toBe(false);
  });

  it('Exim bounce without DSN parts: found by heuristics, Message-ID from the inline copy', async () => {
    const p = await sample('bounce-exim.eml');
    expect(detectBounce(p)).toEqual({
      recipient: 'old.customer@example.net',
      status: '5.1.1',
      originalMessageId: 'td.77aa.b1@threaddesk.example.org',
    });
    expect(autoMailPolicy(p, OURS).mayAutoReply).toBe(false);
  });
});
