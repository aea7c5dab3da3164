import { describe, expect, it } from 'vitest';
import {
  baseAddress,
  isOwnAddress,
  makeMessageId,
  normaliseAddress,
  subjectWithTicketToken,
  ticketNumberFromPlusAddress,
  ticketNumberFromSubject,
} from '../../src/mail/index.js';

describe('ticketNumberFromSubject', () => {
  it('finds the default [#number] token anywhere in the subject', () => {
    expect(ticketNumberFromSubject('Re: Printer broken [#20261123000042]')).toBe('20261123000042');
    expect(ticketNumberFromSubject('AW: [#20261123000042] Drucker')).toBe('20261123000042');
    expect(ticketNumberFromSubject('Re: [ #20261123000042 ] spaces')).toBe('20261123000042');
  });

  it('uses a configured prefix and ignores other helpdesks’ tokens', () => {
    expect(ticketNumberFromSubject('Re: Test [KNF#20161119000021]', 'KNF#')).toBe('20161119000021');
    expect(ticketNumberFromSubject('Re: Test [#20161119000021]', 'KNF#')).toBeNull();
    expect(ticketNumberFromSubject('Re: XXXX [Ticket#11162]', '#')).toBeNull();
    expect(ticketNumberFromSubject('Re: XXXX [Ticket#11162]', 'Ticket#')).toBe('11162');
  });

  it('does not take tags without digits or bare numbers for tickets', () => {
    expect(ticketNumberFromSubject('[#general] hello')).toBeNull();
    expect(ticketNumberFromSubject('Order 20261123000042 #20261123000042')).toBeNull();
    expect(ticketNumberFromSubject('')).toBeNull();
  });
});

describe('ticketNumberFromPlusAddress', () => {
  const ours = ['Support@Example.org', 'sales@example.org'];

  it('reads the tag of one of our addresses, case-insensitively', () => {
    expect(ticketNumberFromPlusAddress('support+20261123000042@example.org', ours)).toBe('20261123000042');
    expect(ticketNumberFromPlusAddress('<SUPPORT+20261123000042@EXAMPLE.ORG>', ours)).toBe('20261123000042');
    expect(ticketNumberFromPlusAddress('sales+KNF-7@example.org', ours)).toBe('KNF-7');
  });

  it('ignores plus-addresses that are not ours, untagged addresses and tags without digits', () => {
    expect(ticketNumberFromPlusAddress('jane+20261123000042@example.com', ours)).toBeNull();
    expect(ticketNumberFromPlusAddress('support@example.org', ours)).toBeNull();
    expect(ticketNumberFromPlusAddress('support+newsletter@example.org', ours)).toBeNull();
    expect(ticketNumberFromPlusAddress('not an address', ours)).toBeNull();
  });
});

describe('normaliseAddress / baseAddress / isOwnAddress', () => {
  it('normalises case, brackets, mailto: and whitespace', () => {
    expect(normaliseAddress('  <Jane.Doe@Example.COM> ')).toBe('jane.doe@example.com');
    expect(normaliseAddress('mailto:Jane@example.com')).toBe('jane@example.com');
    expect(normaliseAddress('no-at-sign')).toBeNull();
    expect(normaliseAddress('a b@example.com')).toBeNull();
  });

  it('drops plus-tags for comparison', () => {
    expect(baseAddress('Support+123@Example.org')).toBe('support@example.org');
    expect(isOwnAddress('SUPPORT+20261123000042@example.org', ['support@example.org'])).toBe(true);
    expect(isOwnAddress('support@example.org.evil.test', ['support@example.org'])).toBe(false);
  });
});

describe('subjectWithTicketToken', () => {
  it('appends the token once and keeps Re:/AW: in front', () => {
    expect(subjectWithTicketToken('Re: Printer broken', '20261123000042')).toBe('Re: Printer broken [#20261123000042]');
    expect(subjectWithTicketToken('Re: Printer broken [#20261123000042]', '20261123000042')).toBe('Re: Printer broken [#20261123000042]');
    expect(subjectWithTicketToken('AW: Test', '20161119000021', 'KNF#')).toBe('AW: Test [KNF#20161119000021]');
    expect(subjectWithTicketToken('  ', '1')).toBe('[#1]');
  });

  it('round-trips with ticketNumberFromSubject', () => {
    const subject = subjectWithTicketToken('Frage zur Rechnung', '20261123000042', 'KNF#');
    expect(ticketNumberFromSubject(`AW: ${subject}`, 'KNF#')).toBe('20261123000042');
  });
});

describe('makeMessageId', () => {
  it('is unique, unbracketed and on our domain', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => makeMessageId('threaddesk.example.org')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._-]+@threaddesk\.example\.org$/);
  });

  it('carries at least 128 random bits', () => {
    const local = makeMessageId('example.org').split('@')[0] ?? '';
    const random = local.split('.')[1] ?? '';
    expect(Buffer.from(random, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('rejects something that is not a domain', () => {
    expect(() => makeMessageId('exa mple.org')).toThrow();
    expect(() => makeMessageId('<x>')).toThrow();
  });
});
