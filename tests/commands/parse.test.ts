import { describe, expect, it } from 'vitest';
import { COMMANDS, helpText } from '../../commands/index.js';
import { parseCommandLine } from '../../commands/parse.js';
import { commandForReaction } from '../../commands/reactions.js';
import { DomainError } from '../../src/domain/errors.js';

const parse = (line: string, thread?: string) => parseCommandLine(line, COMMANDS, thread);

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

describe('parsing the command grammar', () => {
  it('takes the ticket from #<number> outside a thread', () => {
    const { command, parsed } = parse('claim #20261123000001');
    expect(command.name).toBe('claim');
    expect(parsed.ticket).toBe('#20261123000001');
  });

  it('takes the ticket from the thread when none is given', () => {
    expect(parse('claim', '20261123000009').parsed.ticket).toBe('20261123000009');
  });

  it('lets an explicit #number override the thread', () => {
    expect(parse('close #20261123000002', '20261123000009').parsed.ticket).toBe('#20261123000002');
  });

  it('refuses a ticket command without a ticket and says how to give one', () => {
    const e = errorOf(() => parse('claim'));
    expect(e.code).toBe('bad_usage');
    expect(e.message).toContain('Usage: claim [#<number>]');
    expect(e.message).toContain('#<number>');
  });

  it('keeps a reply text exactly as typed, line breaks included', () => {
    const { parsed } = parse('reply #7 Hello,\n\n  your printer   is fixed.');
    expect(parsed.ticket).toBe('#7');
    expect(parsed.args.text).toBe('Hello,\n\n  your printer   is fixed.');
  });

  it('does not read a #number inside a reply text as the ticket', () => {
    const { parsed } = parse('reply see #5 for the details', '20261123000009');
    expect(parsed.ticket).toBe('20261123000009');
    expect(parsed.args.text).toBe('see #5 for the details');
  });

  it('reads merge #other in a thread as the argument, and merge #a #b outside', () => {
    expect(parse('merge #2', '1').parsed).toMatchObject({ ticket: '1', args: { other: '#2' } });
    expect(parse('merge #1 #2').parsed).toMatchObject({ ticket: '#1', args: { other: '#2' } });
  });

  it('parses flags anywhere and values with = or a space', () => {
    expect(parse('transfer #3 board --keep').parsed).toMatchObject({ args: { department: 'board' }, flags: { keep: true } });
    const n = parse('new --dept support --topic=donation-request Printer broken').parsed;
    expect(n.flags).toEqual({ dept: 'support', topic: 'donation-request' });
    expect(n.args.subject).toBe('Printer broken');
  });

  it('checks choices and names the allowed values', () => {
    const e = errorOf(() => parse('priority #3 extreme'));
    expect(e.message).toContain('low, normal, high, urgent');
    expect(e.message).toContain('Usage: priority [#<number>] low|normal|high|urgent');
  });

  it('rejects unknown verbs with the list of commands', () => {
    const e = errorOf(() => parse('frobnicate #1'));
    expect(e.code).toBe('unknown_command');
    expect(e.message).toContain('claim');
    expect(e.message).toContain('help');
  });

  it('rejects unknown options and extra words', () => {
    expect(errorOf(() => parse('claim #1 --force')).message).toContain('Unknown option --force');
    expect(errorOf(() => parse('claim #1 now')).message).toContain('Unexpected "now"');
  });

  it('supports quoted words', () => {
    expect(parse('assign #1 "Bob Builder"').parsed.args.agent).toBe('Bob Builder');
  });

  it('list takes an optional filter and department', () => {
    expect(parse('list').parsed.args).toEqual({});
    expect(parse('list waiting support').parsed.args).toEqual({ filter: 'waiting', department: 'support' });
  });
});

describe('help', () => {
  it('lists every command with its usage, generated from the declarations', () => {
    const text = helpText();
    for (const name of COMMANDS.keys()) expect(text).toContain(name);
    expect(text).toContain('transfer [#<number>] <department> [--keep]');
    expect(helpText('close')).toContain('close [#<number>] [<reason…>]');
  });
});

describe('reactions', () => {
  it('maps the default emoji to commands, ignoring skin tones and variation selectors', () => {
    expect(commandForReaction('✅')).toBe('close');
    expect(commandForReaction('✋🏽')).toBe('claim');
    expect(commandForReaction('⏳')).toBe('status waiting');
    expect(commandForReaction('🎉')).toBeNull();
    expect(commandForReaction('👍', { '👍': 'claim' })).toBe('claim');
  });
});
