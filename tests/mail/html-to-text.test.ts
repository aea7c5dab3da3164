import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../src/mail/index.js';

describe('htmlToText', () => {
  it('renders links as "text (url)" and leaves out the url when it repeats the text', () => {
    expect(htmlToText('<p>See <a href="https://example.org/faq">our FAQ</a>.</p>')).toBe('See our FAQ (https://example.org/faq).');
    expect(htmlToText('<a href="https://example.org/">example.org</a>')).toBe('example.org');
    expect(htmlToText('<a href="mailto:jane@example.com">jane@example.com</a>')).toBe('jane@example.com');
    expect(htmlToText('<a href="mailto:jane@example.com">Jane</a>')).toBe('Jane (jane@example.com)');
  });

  it('never shows script-capable or opaque link targets', () => {
    for (const href of ['javascript:alert(1)', ' JAVASCRIPT:alert(1)', 'java\tscript:alert(1)', 'jav&#x09;ascript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', 'vbscript:x', 'file:///etc/passwd']) {
      expect(htmlToText(`<a href="${href}">Open</a>`), href).toBe('Open');
    }
  });

  it('drops script, style, head and tracking images, keeps alt text', () => {
    const html =
      '<html><head><title>T</title><style>p{}</style><script>evil()</script></head><body>' +
      '<p>Hi</p><script>alert(1)</script><noscript>enable js</noscript><img src="https://t.example/p.gif"><img src="cid:logo" alt="Logo"></body></html>';
    expect(htmlToText(html)).toBe('Hi\n\n[Logo]');
  });

  it('keeps content after </html> (joined HTML parts)', () => {
    expect(htmlToText('<html><body><p>one</p></body></html><div>two</div>')).toBe('one\n\ntwo');
  });

  it('lays out table rows on their own lines and blockquotes as "> " quotes', () => {
    expect(htmlToText('<table><tr><td>Von:</td><td>Jane</td></tr><tr><td>Datum:</td><td>heute</td></tr></table>')).toBe('Von: Jane\nDatum: heute');
    expect(htmlToText('<p>Yes.</p><blockquote>Question?</blockquote>')).toBe('Yes.\n\n> Question?');
  });

  it('decodes entities and keeps headings as written', () => {
    expect(htmlToText('<h1>Grüße &amp; Dank</h1><p>a&nbsp;b &lt;c&gt;</p>')).toBe('Grüße & Dank\n\na\u00a0b <c>');
  });
});
