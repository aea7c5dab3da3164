// Unit tests of the Slack adapter's pure parts: rendering, parsing, signature, rate queue.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  CARD_BUTTONS, markdownToMrkdwn, parseCommand, RateQueue, renderCard, renderMessage, SlackAdapter,
  REQUIRED_SCOPES, SHORTCUT_CALLBACK_ID, slackReactionToUnicode, slackTextToMarkdown, unicodeToSlackReaction, verifySlackSignature,
} from '../../adapters/slack/index.js';
import { commandsFromSubmission } from '../../adapters/slack/modal.js';
import { testCard } from './contract.js';
import { renderSlack } from './slack-harness.js';

describe('markdownToMrkdwn', () => {
  it('converts Markdown formatting and links', () => {
    const out = markdownToMrkdwn('Hello **bold** and [the doc](https://example.test/a?b=1)');
    expect(out).toContain('*bold*');
    expect(out).toContain('<https://example.test/a?b=1|the doc>');
  });

  it('escapes HTML, Slack control sequences and ampersands, also in code', () => {
    const out = markdownToMrkdwn('<script>x</script> & <!channel> `<!here>`\n\n```\n<@U1> && 1 < 2\n```');
    expect(out).not.toMatch(/<(?!https?:)/);
    expect(renderSlack('1', out, undefined, false).pings).toEqual([]);
    expect(renderSlack('1', out, undefined, false).text).toContain('<script>x</script> & <!channel>');
  });

  it('cannot be tricked into a control sequence through a link target', () => {
    for (const md of ['[x](<!channel>)', '[x](https://a.test/<!here>)', '<https://a.test/x>|<!channel>']) {
      expect(renderSlack('1', markdownToMrkdwn(md), undefined, false).pings).toEqual([]);
    }
  });

  it('renders quotes, lists, code and tables in Slack’s dialect', () => {
    expect(markdownToMrkdwn('> quoted\n> more\n\nafter')).toBe('> quoted\n> more\n\nafter');
    expect(markdownToMrkdwn('- one\n- two\n  - nested\n\n1. first\n2. second')).toBe('• one\n• two\n    • nested\n\n1. first\n2. second');
    expect(markdownToMrkdwn('- [x] done\n- [ ] todo')).toBe('• ☑ done\n• ☐ todo');
    expect(markdownToMrkdwn('# Title\n\n```js\nif (a < b) {}\n```')).toBe('*Title*\n\n```\nif (a &lt; b) {}\n```');
    expect(markdownToMrkdwn('| a | b |\n|---|---|\n| 1 | 2 |')).toBe('*a | b*\n1 | 2');
    expect(markdownToMrkdwn('line one\nline two')).toBe('line one\nline two');
    expect(markdownToMrkdwn('~~gone~~ _it_')).toBe('\u200B~gone~\u200B \u200B_it_\u200B');
  });

  it('keeps plain text literal, entities included', () => {
    expect(markdownToMrkdwn('AT&T &lt;b&gt; 1 < 2')).toBe('AT&amp;T &amp;lt;b&amp;gt; 1 &lt; 2');
  });
});

describe('renderCard', () => {
  it('offers Claim/Release/Waiting/Close on open tickets and Reopen on closed ones', () => {
    const labels = (state: string) =>
      renderCard(testCard({ state })).blocks.flatMap((b) => (b.type === 'actions' ? b.elements.map((e) => ('text' in e && e.text ? e.text.text : '')) : []));
    expect(labels('open')).toEqual(['Claim', 'Release', 'Waiting', 'Close']);
    expect(labels('closed')).toEqual(['Reopen']);
    expect(CARD_BUTTONS.map((b) => b.command)).toEqual(['claim', 'release', 'status waiting', 'close', 'reopen']);
  });

  it('marks every mrkdwn text verbatim so Slack does not parse names in it', () => {
    const found: Array<Record<string, unknown>> = [];
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (typeof v !== 'object' || v === null) return;
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn') found.push(o);
      Object.values(o).forEach(visit);
    };
    visit(renderCard(testCard({ topic: 'VPN', tags: ['a'], predictions: { queue: 'IT' } })).blocks);
    expect(found.length).toBeGreaterThan(5);
    expect(found.every((t) => t.verbatim === true)).toBe(true);
  });
});

describe('renderMessage', () => {
  it('shows author, kind and origin; notes are marked internal', () => {
    expect(renderMessage({ kind: 'note', authorName: 'Alice', text: 'x', origin: 'matrix' })).toMatch(/^:lock: \*Alice\* \(internal note, via Matrix\)\nx$/);
    expect(renderMessage({ kind: 'reply', authorName: 'Alice', text: 'x' })).toContain('sent to the customer');
    expect(renderMessage({ kind: 'event', authorName: 'Alice', text: 'claimed the ticket' })).toBe(':information_source: *Alice* claimed the ticket');
  });

  it('stays under Slack’s 40,000-character limit', () => {
    expect(renderMessage({ kind: 'customer', authorName: 'C', text: 'a '.repeat(30_000) }).length).toBeLessThan(40_000);
  });
});

describe('inbound parsing', () => {
  it('recognises !ticket and a leading bot mention, nothing else', () => {
    expect(parseCommand('!ticket claim', 'UBOT')).toEqual({ source: 'text', text: 'claim' });
    expect(parseCommand('  !TICKET  close done &amp; dusted', 'UBOT')).toEqual({ source: 'text', text: 'close done & dusted' });
    expect(parseCommand('!ticket', 'UBOT')).toEqual({ source: 'text', text: '' });
    expect(parseCommand('!tickets are great', 'UBOT')).toBeNull();
    expect(parseCommand('<@UBOT> assign <@U2>', 'UBOT')).toEqual({ source: 'mention', text: 'assign <@U2>' });
    expect(parseCommand('<@UBOT|threaddesk>: help', 'UBOT')).toEqual({ source: 'mention', text: 'help' });
    expect(parseCommand('<@UOTHER> claim', 'UBOT')).toBeNull();
    expect(parseCommand('please !ticket claim', 'UBOT')).toBeNull();
  });

  it('turns Slack text into our Markdown', () => {
    expect(slackTextToMarkdown('see <https://a.test/x?b=1&amp;c=2|the doc>, *bold* &lt;b&gt; <@U1> <#C1|general> <!here> `*kept*`'))
      .toBe('see [the doc](https://a.test/x?b=1&c=2), **bold** <b> @U1 #general @here `*kept*`');
  });

  it('maps reaction names to Unicode and back', () => {
    expect(['raised_hand', 'eyes', 'hourglass_flowing_sand', 'hourglass', 'white_check_mark', 'heavy_check_mark', 'no_entry_sign', 'unlock', 'tada', 'party-parrot'].map(slackReactionToUnicode))
      .toEqual(['✋', '👀', '⏳', '⏳', '✅', '✔️', '🚫', '🔓', '🎉', ':party-parrot:']);
    expect(unicodeToSlackReaction('⏳')).toBe('hourglass_flowing_sand');
    expect(unicodeToSlackReaction('🎉')).toBe('tada');
  });

  it('builds modal commands only from valid choices', () => {
    expect(commandsFromSubmission({
      status: { status: { selected_option: { value: 'rm -rf' } } },
      assignee: { assignee: { selected_user: 'U1> <!channel' } },
      transfer: { transfer: { value: ' Board\nof directors ' } },
    })).toEqual(['transfer Board of directors']);
  });
});

describe('verifySlackSignature', () => {
  const secret = 's3cret';
  const body = Buffer.from('{"a":1}');
  const sign = (ts: number, raw = body) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:`).update(raw).digest('hex')}`;
  const now = 1_800_000_000_000;
  const ts = now / 1000;

  it('accepts a correct signature and rejects anything else', () => {
    expect(verifySlackSignature(secret, body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(ts) }, now)).toBeNull();
    expect(verifySlackSignature(secret, Buffer.from('{"a":2}'), { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(ts) }, now)).toMatch(/does not match/);
    expect(verifySlackSignature(secret, body, { 'x-slack-request-timestamp': String(ts - 301), 'x-slack-signature': sign(ts - 301) }, now)).toMatch(/5 minutes/);
    expect(verifySlackSignature(secret, body, { 'x-slack-request-timestamp': 'soon', 'x-slack-signature': sign(ts) }, now)).toMatch(/Unix time/);
    expect(verifySlackSignature('', body, { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sign(ts) }, now)).toMatch(/no signing secret/);
  });
});

describe('RateQueue', () => {
  it('serialises calls per key, retries 429s, and keeps going after a failure', async () => {
    const queue = new RateQueue({ serverErrorBackoffMs: 1 });
    const log: string[] = [];
    let limited = 2;
    const results = await Promise.allSettled([
      queue.run('A', 'one', async () => {
        await new Promise((r) => setTimeout(r, 20));
        if (limited-- > 0) throw new webApi.WebAPIRateLimitedError(0);
        log.push('A1');
      }),
      queue.run('A', 'two', async () => {
        throw new webApi.WebAPIPlatformError({ ok: false, error: 'channel_not_found' });
      }),
      queue.run('A', 'three', async () => void log.push('A3')),
      queue.run('B', 'other', async () => void log.push('B1')),
    ]);
    expect(log).toEqual(['B1', 'A1', 'A3']);
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { slackError: 'channel_not_found' } });
    expect(String((results[1] as PromiseRejectedResult).reason.message)).toMatch(/Slack refused two \(A\): channel_not_found — check the channel id/);
  });

  it('learns a channel’s limit from its first 429 and paces the rest of a burst under it', async () => {
    // A channel allowing 10 calls in any second, answering Retry-After: 1 beyond that.
    const queue = new RateQueue();
    const accepted: number[] = [];
    const sent: number[] = [];
    let refused = 0;
    const call = (i: number) => async () => {
      const now = Date.now();
      if (accepted.filter((t) => t > now - 1000).length >= 10) {
        refused += 1;
        throw new webApi.WebAPIRateLimitedError(1);
      }
      accepted.push(now);
      await new Promise((r) => setTimeout(r, 5));
      sent.push(i);
    };
    await Promise.all(Array.from({ length: 25 }, (_, i) => queue.run('C1', 'chat.postMessage', call(i))));
    expect(sent).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(refused).toBe(1);
  });

  it('gives up after the configured number of 429s with a clear error', async () => {
    const queue = new RateQueue({ maxRateLimitedAttempts: 3 });
    let calls = 0;
    await expect(queue.run('A', 'chat.postMessage', async () => {
      calls += 1;
      throw new webApi.WebAPIRateLimitedError(0);
    })).rejects.toThrow(/kept rate-limiting chat.postMessage \(A\) after 3 attempts/);
    expect(calls).toBe(3);
  });
});

describe('SlackAdapter construction', () => {
  it('needs a bot token, and a signing secret unless Socket Mode is used', () => {
    expect(() => new SlackAdapter({ botToken: '', signingSecret: 's' })).toThrow(/SLACK_BOT_TOKEN/);
    expect(() => new SlackAdapter({ botToken: 'xoxb-1', signingSecret: '', appToken: 'xapp-1' })).not.toThrow();
  });
});

describe('slack-app-manifest.yaml', () => {
  it('asks for the scopes, command and shortcut the adapter uses', () => {
    const manifest = parseYaml(readFileSync(new URL('../../slack-app-manifest.yaml', import.meta.url), 'utf8')) as {
      oauth_config: { scopes: { bot: string[] } };
      features: { slash_commands: Array<{ command: string; url: string }>; shortcuts: Array<{ callback_id: string; type: string }> };
      settings: { event_subscriptions: { request_url: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url: string } };
    };
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...REQUIRED_SCOPES].sort());
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(['/ticket']);
    expect(manifest.features.shortcuts).toEqual([expect.objectContaining({ callback_id: SHORTCUT_CALLBACK_ID, type: 'message' })]);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['message.channels', 'message.groups', 'reaction_added', 'app_mention']);
    const urls = [manifest.settings.event_subscriptions.request_url, manifest.settings.interactivity.request_url, manifest.features.slash_commands[0]?.url];
    expect(new Set(urls)).toEqual(new Set(['https://YOUR-HOST/slack/events']));
  });
});
