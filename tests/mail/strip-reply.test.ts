import { describe, expect, it } from 'vitest';
import { stripReply } from '../../src/mail/index.js';

describe('stripReply', () => {
  it('removes a "> " quote with its English attribution', () => {
    const r = stripReply('Thanks, that fixed it.\n\nOn Mon, 23 Nov 2026 at 10:00, Support <support@example.org> wrote:\n> Try turning it off and on.\n');
    expect(r).toEqual({ text: 'Thanks, that fixed it.', withSignature: 'Thanks, that fixed it.', quoteRemoved: true, signatureRemoved: false });
  });

  it('handles a wrapped German attribution and bottom-posting', () => {
    const text = 'Am Montag, 23. November 2026 um 10:00 schrieb Kundendienst\nvia Threaddesk:\n> Bitte neu starten.\n\nHat geklappt, danke!';
    expect(stripReply(text).text).toBe('Hat geklappt, danke!');
  });

  it('cuts at "-----Ursprüngliche Nachricht-----"', () => {
    expect(stripReply('Passt so.\n\n-----Ursprüngliche Nachricht-----\nVon: X\nAlter Text').text).toBe('Passt so.');
  });

  it('cuts at an Outlook "From:/Sent:" block without an address', () => {
    expect(stripReply('Done.\n\nFrom: Support Team\nSent: Monday, November 23, 2026 10:00\nTo: Jane\n\nOld text').text).toBe('Done.');
  });

  it('does not take "From:/To:" in the customer’s own text for a quote', () => {
    const text = 'Please book the trip:\nFrom: Berlin\nTo: Munich\nOn Friday.';
    expect(stripReply(text)).toMatchObject({ text, quoteRemoved: false });
  });

  it('strips a "-- " signature but keeps it in withSignature', () => {
    const r = stripReply('See you.\n\n-- \nJane Doe\nACME Inc.');
    expect(r.text).toBe('See you.');
    expect(r.withSignature).toBe('See you.\n\n--\nJane Doe\nACME Inc.');
    expect(r.signatureRemoved).toBe(true);
  });

  it('never returns empty when the mail had text', () => {
    expect(stripReply('> only a quote\n> nothing else').text).toBe('> only a quote\n> nothing else');
    expect(stripReply('-- \nonly a signature').text).toContain('only a signature');
    expect(stripReply('On Mon, Jane <j@example.com> wrote:\n> x').text).not.toBe('');
    expect(stripReply('   \n ')).toMatchObject({ text: '', quoteRemoved: false });
  });

  it('stays fast on huge input that makes the parser’s regexes slow', () => {
    const huge = Array.from({ length: 100_000 }, (_, i) => `Op de dag ${i}`).join('\n');
    const started = Date.now();
    const r = stripReply(huge);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.text).toBe(huge);
  });

  it('still strips the quote of a long reply when it starts near the top', () => {
    const text = `Short answer.\n\nOn Mon, Jane <j@example.com> wrote:\n${'> quoted line\n'.repeat(20_000)}`;
    expect(stripReply(text).text).toBe('Short answer.');
  });
});

describe('stripReply attribution lines in other languages', () => {
  it('drops a Russian attribution without an address (non-ASCII verb)', () => {
    expect(stripReply('Привет\n\nПётр Иванов написал:\n> Здравствуйте').text).toBe('Привет');
  });

  it('keeps a line ending in ":" that is not an attribution', () => {
    expect(stripReply('Here is the log:\n> error 42').text).toBe('Here is the log:');
  });
});

describe('stripReply with very long lines', () => {
  it('still recognises a quoted long line as quoted', () => {
    expect(stripReply(`Short.\n\nOn Mon, Jane <j@example.com> wrote:\n> ${'x'.repeat(5_000)}\n> end`).text).toBe('Short.');
  });

  it('keeps a long line of new text intact', () => {
    const long = 'word '.repeat(2_000).trim();
    expect(stripReply(`${long}\n\n> old`).text).toBe(long);
  });
});
