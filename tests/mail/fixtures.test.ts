// Real-world mails from mailgun/talon and zammad/zammad (see /work/shared/fixtures/mail/README.md).
// They are not part of the repository: absent in a user's clone (skipped with a warning), but
// required in CI (the suite fails without them).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isCI } from '../servers/availability.js';
import { autoMailPolicy, detectBounce, htmlToText, isBulk, parseMail, type ParsedMail } from '../../src/mail/index.js';
import { collapse, fixturesDir, squash } from './helpers.js';

const haveFixtures = existsSync(fixturesDir);
if (!haveFixtures && !isCI()) {
  console.warn(`skipping mail fixture tests: ${fixturesDir} does not exist (shared third-party fixtures, not in the repository)`);
}

describe.runIf(!haveFixtures && isCI())('mail fixtures in CI', () => {
  it('are present', () => {
    expect.fail(`CI is set but the mail fixtures are missing: ${fixturesDir}`);
  });
});

const talonDir = path.join(fixturesDir, 'talon');
const zammadDir = path.join(fixturesDir, 'zammad');
const list = (dir: string, ext: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).sort() : []);

const cache = new Map<string, Promise<ParsedMail>>();
function parsed(file: string): Promise<ParsedMail> {
  let p = cache.get(file);
  if (!p) {
    p = parseMail(readFileSync(file));
    cache.set(file, p);
  }
  return p;
}

interface ZammadAttachment {
  filename?: string;
  preferences?: Record<string, unknown>;
}
interface ZammadExpectation {
  from_email?: string;
  from_display_name?: string;
  subject?: string;
  body?: string;
  content_type?: string;
  attachments?: ZammadAttachment[];
}

/**
 * Mails whose text/plain and text/html alternatives differ in the fixture itself: anonymised
 * separately (phone numbers, greeting name) or, for spam, with different content. Zammad's body is
 * the HTML part, ours the text part, so these many lines cannot match; any more is a regression.
 */
const ALTERNATIVES_DIFFER: Readonly<Record<string, number>> = {
  'mail001.box': 3, // phone/fax/register numbers
  'mail003.box': 12, // "Hallo Fritz" vs "Hallo Martin", signature details, quoted history
  'mail012.box': 4, // phone numbers, register line
  'mail017.box': 4, // spam: the HTML part carries news lines the text part lacks
};

/** Zammad's .yml is Ruby-tagged YAML; the tags carry no data we need. */
function loadYml(file: string): ZammadExpectation {
  const text = readFileSync(file, 'utf8').replace(/(^|[\s:-])!(?:ruby\/\S+|binary)/gm, '$1');
  return parse(text) as ZammadExpectation;
}

/** Zammad's body as text: its sanitised HTML through our converter, plain text as is. */
function expectedText(y: ZammadExpectation): string {
  const body = y.body ?? '';
  if (body.trim() === 'no visible content') return '';
  return y.content_type === 'text/html' || /<\/?(div|p|br|a|table|span|b|strong)\b/i.test(body) ? htmlToText(body) : body;
}

describe.skipIf(!haveFixtures)('every fixture', () => {
  const all = [...list(talonDir, '.eml').map((f) => path.join(talonDir, f)), ...list(zammadDir, '.box').map((f) => path.join(zammadDir, f))];

  it('finds the fixture files', () => {
    expect(all.length).toBeGreaterThanOrEqual(35);
  });

  it.each(all.map((f) => [path.relative(fixturesDir, f), f]))('%s parses into consistent data', async (_name, file) => {
    const p = await parsed(file);
    expect(p.sizeBytes).toBe(statSync(file).size);
    expect(p.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(p.messageId ?? '').not.toMatch(/[<>]/);
    // A mail with text always shows something in chat.
    if (p.text.trim() !== '') expect(p.visibleText.trim()).not.toBe('');
    // No raw HTML or script reaches the text.
    expect(p.text).not.toMatch(/<script|<\/?(html|body|div|table)\b/i);
    for (const a of p.attachments) {
      expect(a.filename).not.toBe('');
      expect(a.size).toBe(a.content.length);
    }
  });
});

describe.skipIf(!haveFixtures)('zammad mails match Zammad’s expected parse', () => {
  const withYml = list(zammadDir, '.box').filter((f) => existsSync(path.join(zammadDir, f.replace(/\.box$/, '.yml'))));

  it('has expectations for most mails', () => {
    expect(withYml.length).toBeGreaterThanOrEqual(20);
  });

  describe.each(withYml)('%s', (box) => {
    const y = (): ZammadExpectation => loadYml(path.join(zammadDir, box.replace(/\.box$/, '.yml')));
    const mail = (): Promise<ParsedMail> => parsed(path.join(zammadDir, box));

    it('sender', async () => {
      const p = await mail();
      const e = y();
      if (e.from_email !== undefined) expect(p.from?.address).toBe(e.from_email);
      if (e.from_display_name !== undefined) expect(p.from?.name ?? '').toBe(e.from_display_name);
    });

    it('subject', async () => {
      const e = y();
      if (e.subject !== undefined) expect(collapse((await mail()).subject)).toBe(collapse(e.subject));
    });

    it('body text', async () => {
      const p = await mail();
      const expected = expectedText(y());
      if (expected.trim() === '') {
        // mail026's HTML part is an empty layout table (Zammad's body); its text part is not empty.
        if (box === 'mail026.box') expect(p.text).toContain('gate GmbH');
        else expect(p.text.trim()).toBe('');
        return;
      }
      // Zammad sanitises and re-flows; compare every substantial line on whitespace-free text.
      const ours = squash(p.text);
      const all = expected.split('\n').map(squash).filter((l) => l !== '');
      const long = all.filter((l) => l.length >= 8);
      const lines = long.length > 0 ? long : all;
      expect(lines.length).toBeGreaterThan(0);
      const missing = lines.filter((l) => !ours.includes(l));
      expect(missing.length, missing.join('\n')).toBeLessThanOrEqual(ALTERNATIVES_DIFFER[box] ?? 0);
    });

    it('attachments', async () => {
      const e = y();
      if (e.attachments === undefined) return;
      // Zammad lists the HTML alternative of the body as "message.html"; we do not treat it as a file.
      const expected = e.attachments.filter((a) => a.preferences?.['content-alternative'] !== true).map((a) => a.filename ?? '');
      const ours = (await mail()).attachments.map((a) => a.filename);
      expect(ours.sort()).toEqual(expected.sort());
    });
  });
});

describe.skipIf(!haveFixtures)('zammad hard cases', () => {
  const z = (name: string): Promise<ParsedMail> => parsed(path.join(zammadDir, name));

  it('mail033: Postfix bounce names the failed recipient and our original Message-ID', async () => {
    const p = await z('mail033-undelivered-mail-returned-to-sender-notification.box');
    expect(detectBounce(p)).toEqual({
      recipient: 'not_existing@znuny.com',
      status: '5.1.1',
      action: 'failed',
      diagnostic: '550 5.1.1 <not_existing@znuny.com>: Recipient address rejected: User unknown',
      originalMessageId: 'notification.20150830145600.1.4.5f4fd063-f69b-4e64-a92d-5e7128bd6682@127.0.0.1:3000',
    });
    expect(autoMailPolicy(p, ['support@example.org']).mayAutoReply).toBe(false);
  });

  it('ordinary customer mails are not bounces, not bulk, and may be acknowledged', async () => {
    for (const name of ['mail001.box', 'mail003.box', 'mail005.box', 'mail012.box', 'mail014.box', 'mail037.box']) {
      const p = await z(name);
      expect(detectBounce(p), name).toBeNull();
      expect(isBulk(p), name).toBe(false);
      expect(autoMailPolicy(p, ['support@example.org']), name).toEqual({ mayAutoReply: true });
    }
  });

  it('mail015: raw 8-bit GB2312 attachment filename is decoded', async () => {
    const p = await z('mail015.box');
    expect(p.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([['绩效管理,究竟谁错了.xls', 'application/vnd.ms-excel', 32256]]);
  });

  it('mail031: quoted (invalid) encoded-word subject and raw GBK body decode', async () => {
    const p = await z('mail031.box');
    expect(p.subject).toBe('內應力產生与注塑工艺条件之间的关系；');
    expect(p.text).toContain('最佳注塑工艺参數設定方法');
  });

  it('mail001: ISO-8859-1 quoted-printable umlauts', async () => {
    const p = await z('mail001.box');
    expect(p.subject).toBe('CI Daten für PublicView');
    expect(p.text).toContain('Schriftart/-größe');
  });

  it('mail016/mail017/mail019: a missing, broken or empty From falls back like Zammad', async () => {
    expect((await z('mail016.box')).from?.address).toBe('vipyimin@126.com'); // no From: Reply-To
    expect((await z('mail017.box')).from).toEqual({ address: 'ghgbwum@185.com.cn', name: '都琹' }); // second From
    expect((await z('mail019.box')).from?.address).toBe('vipyiming@126.com'); // From <>: Reply-To
  });

  it('mail019: empty Return-Path means no automatic answer', async () => {
    expect(autoMailPolicy(await z('mail019.box'), []).reason).toBe('null Return-Path (<>)');
  });

  it('mail012: Outlook inline image is an inline attachment with its Content-ID', async () => {
    const p = await z('mail012.box');
    expect(p.attachments).toHaveLength(1);
    expect(p.attachments[0]).toMatchObject({ filename: 'image002.png', contentType: 'image/png', inline: true, contentId: 'image002.png@01CDD14F.29D467A0' });
    expect(p.attachments[0]?.content.subarray(1, 4).toString()).toBe('PNG');
  });

  it('mail014: forwarded messages stay attachments named after their subject', async () => {
    const p = await z('mail014.box');
    expect(p.attachments.map((a) => [a.filename, a.embedded?.messageId])).toEqual([
      ['Neue Anfrage erstellt - 33284.eml', '174905662.1354738495468.JavaMail.babeldoc@atlas'],
      ['Call: HW-Anforderung; Best-nr.47524152.eml', '13553079.1354737948277.JavaMail.jboss@fpep'],
    ]);
  });

  it('mail028: job application with only two PDFs', async () => {
    const p = await z('mail028.box');
    expect(p.text).toBe('');
    expect(p.attachments.map((a) => a.filename).sort()).toEqual(['Lebenslauf.pdf', 'Znuny GmbH .pdf']);
    // (The other PDF's base64 starts with a stray "A" in the fixture itself, so its bytes are shifted.)
    expect(p.attachments.find((a) => a.filename === 'Lebenslauf.pdf')?.content.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('mail005: bottom-posted German reply shows only the answer', async () => {
    const p = await z('mail005.box');
    expect(p.visibleText.startsWith('Hallo Martin,')).toBe(true);
    expect(p.visibleText).toContain('John & Marc');
    expect(p.visibleText).not.toContain('schrieb');
    expect(p.visibleText).not.toContain('Hallo Marc');
  });

  it('mail003: Outlook reply drops the "Von:/Gesendet:" history', async () => {
    const p = await z('mail003.box');
    expect(p.visibleText.startsWith('Hallo Fritz,')).toBe(true);
    expect(p.visibleText).not.toContain('Von: Fritz Bauer');
    expect(p.visibleText).not.toContain('LDAP Muster Konfig');
  });

  it('mail007: Lotus Notes HTML-only reply shows only the answer', async () => {
    const p = await z('mail007.box');
    expect(p.html).toBe(true);
    expect(p.visibleText).toBe('Hallo.\nJetzt muss ich dir noch kurzfristig absagen für morgen.\nLass uns evtl morgen Tel.\n\nMfg eike');
  });

  it('mail014: "--" signature is stripped from visibleText but kept in replyText', async () => {
    const p = await z('mail014.box');
    expect(p.visibleText).toBe('äöüß ad asd\n\n-Martin');
    expect(p.replyText).toContain('Old programmers never die.');
  });
});

describe.skipIf(!haveFixtures)('talon replies: only the new text is visible', () => {
  const emls = list(talonDir, '.eml');

  it.each(emls.filter((f) => f !== 'reply-quotations-share-block.eml'))('%s', async (name) => {
    const p = await parsed(path.join(talonDir, name));
    // Every one of these is a reply whose new text is just "Hello" above a quoted "Hi".
    expect(p.text).toMatch(/\bHi\b/);
    expect(p.visibleText).toBe('Hello');
  });

  it('reply-quotations-share-block.eml', async () => {
    const p = await parsed(path.join(talonDir, 'reply-quotations-share-block.eml'));
    expect(p.visibleText.startsWith('Hi Katharine.')).toBe(true);
    expect(p.visibleText.endsWith('Joe XXX')).toBe(true);
    expect(p.text).toContain('New Booking Inquiry');
    expect(p.visibleText).not.toContain('New Booking Inquiry');
    expect(p.visibleText).not.toContain('wrote:');
  });

  it('sparrow.eml: reply text equals talon’s sparrow_reply_text; the signature is not visible', async () => {
    const p = await parsed(path.join(talonDir, 'sparrow.eml'));
    const expected = readFileSync(path.join(talonDir, 'sparrow_reply_text'), 'utf8');
    expect(collapse(p.replyText)).toBe(collapse(expected));
    expect(p.visibleText).toBe('Hello');
  });
});
