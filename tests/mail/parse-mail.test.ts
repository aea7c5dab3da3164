// Parsing details that the samples and fixtures do not pin down on their own.
import { describe, expect, it } from 'vitest';
import { parseMail, sanitiseFilename } from '../../src/mail/index.js';

const crlf = (lines: string[]): string => lines.join('\r\n');

describe('raw 8-bit headers (clients that skip MIME encoding)', () => {
  it('decodes a GBK subject, sender name and attachment filename with the declared charset', async () => {
    const gbk = (hex: string): Buffer => Buffer.from(hex.replace(/\s/g, ''), 'hex');
    const nihao = gbk('C4E3 BAC3'); // 你好
    const zhangsan = gbk('D5C5 C8FD'); // 张三
    const raw = Buffer.concat([
      Buffer.from('From: '),
      zhangsan,
      Buffer.from(' <zs@example.cn>\r\nTo: support@example.org\r\nSubject: '),
      nihao,
      Buffer.from(
        crlf([
          '',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain; charset=GB2312',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ]),
      ),
      nihao,
      Buffer.from(crlf(['', '--b', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename="'])),
      nihao,
      Buffer.from(crlf(['.txt"', 'Content-Transfer-Encoding: base64', '', 'aGk=', '--b--', ''])),
    ]);
    const p = await parseMail(raw);
    expect(p.subject).toBe('你好');
    expect(p.from).toEqual({ address: 'zs@example.cn', name: '张三' });
    expect(p.text).toBe('你好');
    expect(p.attachments.map((a) => a.filename)).toEqual(['你好.txt']);
  });

  it('leaves properly encoded Latin-1 filenames alone', async () => {
    const raw = crlf([
      'From: a@example.com',
      'Subject: x',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=GB2312',
      '',
      'x',
      '--b',
      "Content-Disposition: attachment; filename*=iso-8859-1''%DCbersicht.pdf",
      'Content-Type: application/pdf',
      '',
      'x',
      '--b--',
      '',
    ]);
    expect((await parseMail(Buffer.from(raw))).attachments[0]?.filename).toBe('Übersicht.pdf');
  });
});

describe('message ids and dates', () => {
  it('lists In-Reply-To/References without brackets or duplicates, and tolerates missing ones', async () => {
    const p = await parseMail(
      Buffer.from(crlf(['From: a@example.com', 'Message-ID: <x@y>', 'In-Reply-To: <a@b> <c@d>', 'References: <a@b>\r\n <c@d> <a@b>', '', 'hi', ''])),
    );
    expect(p.messageId).toBe('x@y');
    expect(p.inReplyTo).toEqual(['a@b', 'c@d']);
    expect(p.references).toEqual(['a@b', 'c@d']);
    const bare = await parseMail(Buffer.from(crlf(['From: a@example.com', '', 'hi', ''])));
    expect([bare.messageId, bare.inReplyTo, bare.references, bare.subject]).toEqual([null, [], [], '']);
  });
});

describe('sanitiseFilename', () => {
  it('strips directories, control and bidi characters, and bounds the length', () => {
    expect(sanitiseFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitiseFilename('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(sanitiseFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitiseFilename('..hidden')).toBe('hidden');
    const long = sanitiseFilename(`${'a'.repeat(300)}.pdf`);
    expect(long).toHaveLength(200);
    expect(long.endsWith('.pdf')).toBe(true);
  });
});

describe('hostile input', () => {
  it('parses long whitespace runs, long tokens and long "Am …" lines quickly', async () => {
    const body = [
      `Am 1 ${'1'.repeat(200_000)}`,
      `x${' '.repeat(300_000)}y`,
      'a'.repeat(300_000),
      `Hello${' \t'.repeat(100_000)}`,
      `${'b'.repeat(200_000)}:`,
      '> quoted',
    ].join('\n');
    const started = Date.now();
    const p = await parseMail(Buffer.from(`From: a@example.com\r\nSubject: x\r\n\r\n${body}\r\n`));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(p.text.length).toBeGreaterThan(1_000_000);
    expect(p.visibleText).not.toBe('');
  });
});
