// The `mail:` section of threaddesk.yaml: defaults when absent, errors that name the key.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { DEMO_CONFIG } from '../../src/config/demo-config.js';

describe('mail config', () => {
  it('has working defaults when the section is absent', () => {
    const { mail } = parseConfig(DEMO_CONFIG);
    expect(mail.maxMessageBytes).toBe(8 * 1024 * 1024);
    expect(mail.autoReplyLimitPerHour).toBe(5);
    expect(mail.acknowledge).toBe(true);
    expect(mail.rejected.allow).toEqual([]);
    expect(mail.rejected.answer).toMatch(/contact form/);
    expect(mail.imap.pollSeconds).toBe(60);
    expect(mail.mailboxes).toEqual([]);
  });

  it('names unknown departments and malformed allow-list entries', () => {
    const bad = { ...DEMO_CONFIG, mail: { rejected: { department: 'nope', allow: ['not an address'] }, mailboxes: [{ urlEnv: 'IMAP_BOARD', department: 'board' }] } };
    expect(() => parseConfig(bad)).toThrow(/mail\.rejected\.department: no department with id "nope"/);
    expect(() => parseConfig(bad)).toThrow(/mail\.rejected\.allow\[0\]: must be an address/);
    expect(() => parseConfig(bad)).toThrow(/mail\.mailboxes\[0\]\.department: no department with id "board"/);
  });

  it('accepts addresses and @domains in the allow-list, lower-cased', () => {
    const { mail } = parseConfig({ ...DEMO_CONFIG, mail: { rejected: { allow: ['Partner@Example.org', '@Verein.de'] } } });
    expect(mail.rejected.allow).toEqual(['partner@example.org', '@verein.de']);
  });
});
