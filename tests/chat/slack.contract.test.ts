// The chat contract for Slack, run against the wire-level double through Bolt and our receiver,
// plus what only Slack has: request signing, ack timing, 429 handling, shortcuts, doctor.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InboundThreadMessage } from '../../adapters/chat-port.js';
import { SlackAdapter } from '../../adapters/slack/index.js';
import { signedSlackRequest } from '../doubles/slack-double.js';
import { defineChatContract, eventually, RecordingHandlers, testCard } from './contract.js';
import { ALICE, BOB, CHANNEL, createSlackHarness, SIGNING_SECRET, type SlackHarness } from './slack-harness.js';

defineChatContract('slack', () => createSlackHarness());

/** Records like RecordingHandlers, but can hold thread messages until released. */
class GatedHandlers extends RecordingHandlers {
  started = 0;
  hold: Promise<void> | null = null;
  override async onThreadMessage(m: InboundThreadMessage): Promise<void> {
    this.started += 1;
    if (this.hold) await this.hold;
    await super.onThreadMessage(m);
  }
}

function eventBody(text: string, threadTs = '1700000000.000001'): Record<string, unknown> {
  return {
    type: 'event_callback', team_id: 'T0DOUBLE', api_app_id: 'ADOUBLE', event_id: 'Ev1', event_time: 1,
    event: { type: 'message', channel: CHANNEL, user: ALICE, text, ts: '1700000000.999999', thread_ts: threadTs, channel_type: 'channel' },
  };
}

describe('slack specifics', () => {
  const handlers = new GatedHandlers();
  let h: SlackHarness;

  beforeAll(async () => {
    h = await createSlackHarness({ rateQueue: { serverErrorBackoffMs: 10 } });
    await h.adapter.start(handlers);
  });
  afterAll(async () => {
    await h?.adapter.stop();
    await h?.close();
  });
  beforeEach(async () => {
    await h.settle();
    h.double.clearFaults();
    handlers.reset();
    handlers.started = 0;
    handlers.hold = null;
  });

  it('refuses to start without a signing secret instead of skipping verification', () => {
    expect(() => new SlackAdapter({ botToken: 'xoxb-1', signingSecret: '' })).toThrow(/signing secret is empty/);
  });

  it('rejects a forged signature with 401 and calls no handler', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    const forged = await signedSlackRequest(h.eventsUrl, 'not-the-secret', eventBody('forged', thread.threadId));
    const tampered = await signedSlackRequest(h.eventsUrl, SIGNING_SECRET, eventBody('tampered', thread.threadId), { signature: 'v0=' + '0'.repeat(64) });
    const unsigned = await fetch(h.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(eventBody('x')) });
    expect([forged.status, tampered.status, unsigned.status]).toEqual([401, 401, 401]);
    await h.settle();
    expect(handlers.started).toBe(0);
    expect(handlers.messages).toEqual([]);
  });

  it('rejects requests more than 5 minutes old (or ahead) with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const old = await signedSlackRequest(h.eventsUrl, SIGNING_SECRET, eventBody('replay'), { timestamp: now - 301 });
    const ahead = await signedSlackRequest(h.eventsUrl, SIGNING_SECRET, eventBody('future'), { timestamp: now + 301 });
    expect([old.status, ahead.status]).toEqual([401, 401]);
    await h.settle();
    expect(handlers.started).toBe(0);
  });

  it('answers the url_verification challenge', async () => {
    const res = await signedSlackRequest(h.eventsUrl, SIGNING_SECRET, { type: 'url_verification', challenge: 'abc123', token: 'x' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ challenge: 'abc123' });
  });

  it('acks with 200 before the handler finishes, and the handler still runs after', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    let release: () => void = () => {};
    handlers.hold = new Promise((resolve) => {
      release = resolve;
    });
    await h.workspace.post(ALICE, CHANNEL, 'slow one', { threadTs: thread.threadId });
    // The delivery has been answered while the handler is still held.
    expect(h.workspace.deliveries.at(-1)).toMatchObject({ kind: 'message', status: 200 });
    await eventually(() => expect(handlers.started).toBe(1));
    expect(handlers.messages).toEqual([]);
    release();
    await eventually(() => expect(handlers.messages.map((m) => m.text)).toEqual(['slow one']));
  });

  it('treats an @-mention as a command, once, and never as a reply', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    await h.workspace.post(ALICE, CHANNEL, `<@${h.double.bot.userId}> assign <@${BOB}>`, { threadTs: thread.threadId });
    await h.settle();
    expect(handlers.commands).toHaveLength(1);
    expect(handlers.commands[0]).toMatchObject({ source: 'mention', text: `assign <@${BOB}>`, threadId: thread.threadId });
    expect(handlers.messages).toEqual([]);
  });

  it('answers /ticket through response_url as an ephemeral message', async () => {
    const res = await h.workspace.slash(ALICE, CHANNEL, 'show #20261123000001');
    expect(res.status).toBe(200);
    await eventually(() => expect(h.double.ephemerals.filter((e) => e.via === 'response_url').map((e) => e.text)).toContain('answer to: show #20261123000001'));
    expect(handlers.commands[0]).toMatchObject({ source: 'slash', channelId: CHANNEL, text: 'show #20261123000001' });
  });

  it('opens the Ticket actions modal from a message shortcut and runs what was submitted', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    const reply = await h.workspace.post(ALICE, CHANNEL, 'a reply', { threadTs: thread.threadId });
    await h.workspace.shortcut(ALICE, CHANNEL, reply.ts);
    await eventually(() => expect(h.double.views).toHaveLength(1));
    const view = h.double.views[0]!;
    await h.workspace.submitView(ALICE, view.id, {
      status: { status: { type: 'static_select', selected_option: { value: 'status waiting' } } },
      assignee: { assignee: { type: 'users_select', selected_user: BOB } },
      priority: { priority: { type: 'static_select', selected_option: { value: 'high' } } },
      transfer: { transfer: { type: 'plain_text_input', value: ' Facilities ' } },
    });
    await eventually(() => expect(handlers.commands.map((c) => c.text)).toEqual([`assign <@${BOB}>`, 'status waiting', 'priority high', 'transfer Facilities']));
    expect(handlers.commands.every((c) => c.source === 'shortcut' && c.threadId === thread.threadId)).toBe(true);
    await eventually(() => expect(h.double.ephemerals.at(-1)).toMatchObject({ user: ALICE, threadTs: thread.threadId }));
  });

  it('normalises Slack reaction names, skin tones and ⌛ to the Unicode the core expects', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    for (const name of ['hourglass', 'hourglass_flowing_sand', 'raised_hand::skin-tone-3', 'heavy_check_mark', 'no_entry_sign', 'unlock', 'eyes']) {
      await h.workspace.react(ALICE, CHANNEL, thread.cardMessageId, name);
    }
    await eventually(() => expect(handlers.reactions.map((r) => r.emoji)).toEqual(['⏳', '⏳', '✋', '✔️', '🚫', '🔓', '👀']));
  });

  it('keeps 200 threads opened in a burst in order, none lost or doubled, while every third call gets 429', async () => {
    h.double.failEvery(3, { status: 429, retryAfter: 0 }, (method) => method === 'chat.postMessage');
    const before = h.double.topLevel(CHANNEL).length;
    const refs = await Promise.all(
      Array.from({ length: 200 }, (_, i) => h.adapter.openThread(CHANNEL, testCard({ ticketId: 1000 + i, subject: `burst ${i}` }))),
    );
    const posted = h.double.topLevel(CHANNEL).slice(before);
    expect(posted.map((m) => m.text.match(/burst \d+/)?.[0])).toEqual(Array.from({ length: 200 }, (_, i) => `burst ${i}`));
    expect(refs.map((r) => r.threadId)).toEqual(posted.map((m) => m.ts));
    expect(new Set(refs.map((r) => r.threadId)).size).toBe(200);
    expect(h.double.callsTo('chat.postMessage').filter((c) => c.status === 429).length).toBeGreaterThanOrEqual(90);
  });

  it('waits the Retry-After seconds Slack asks for before retrying', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    const from = h.double.calls.length;
    h.double.failNext(1, { status: 429, retryAfter: 1 }, (method) => method === 'chat.postMessage');
    await h.adapter.post(thread, { kind: 'note', authorName: 'Alice', text: 'after the pause' });
    const attempts = h.double.calls.slice(from).filter((c) => c.method === 'chat.postMessage');
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(h.double.replies(CHANNEL, thread.threadId).map((m) => m.text).filter((t) => t.includes('after the pause'))).toHaveLength(1);
  });

  it('retries a Slack 500 and then gives up with a clear error', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    h.double.failNext(1, { status: 500 }, (method) => method === 'chat.update');
    await h.adapter.updateCard(thread, testCard({ status: 'waiting' }));
    expect(h.double.message(CHANNEL, thread.cardMessageId)?.text).toContain('waiting');
    h.double.failNext(10, { status: 500 }, (method) => method === 'chat.update');
    await expect(h.adapter.updateCard(thread, testCard({ status: 'closed' }))).rejects.toThrow(/Slack answered HTTP 500 to chat.update/);
  });

  it('explains a refused call in a sentence', async () => {
    h.double.addChannel({ id: 'C0NOBOT', name: 'elsewhere', isMember: false });
    await expect(h.adapter.openThread('C0NOBOT', testCard())).rejects.toThrow(/not_in_channel — invite the bot/);
  });

  it('uploads attachments into the thread with files.uploadV2', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    await h.adapter.post(thread, { kind: 'customer', authorName: 'Carol', text: 'see file', attachments: [{ filename: 'a.txt', contentType: 'text/plain', content: Buffer.from('hello') }] });
    const methods = h.double.calls.map((c) => c.method);
    expect(methods).toEqual(expect.arrayContaining(['files.getUploadURLExternal', '(upload)', 'files.completeUploadExternal']));
    const fileMessage = h.double.replies(CHANNEL, thread.threadId).find((m) => m.files.length > 0);
    expect(fileMessage?.files[0]?.content.toString()).toBe('hello');
  });

  it('never sends the bot token to a host other than Slack', async () => {
    const thread = await h.adapter.openThread(CHANNEL, testCard());
    const body = eventBody('file from elsewhere', thread.threadId);
    Object.assign(body.event as Record<string, unknown>, {
      subtype: 'file_share', files: [{ id: 'F1', name: 'x.txt', mimetype: 'text/plain', url_private_download: 'https://files.evil.test/x.txt' }],
    });
    expect((await signedSlackRequest(h.eventsUrl, SIGNING_SECRET, body)).status).toBe(200);
    await eventually(() => expect(handlers.messages).toHaveLength(1));
    await expect(handlers.messages[0]!.files[0]!.fetch()).rejects.toThrow(/Refusing to download a Slack file from files.evil.test/);
  });

  it('looks up emails with users.info and caches them', async () => {
    expect(await h.adapter.lookupEmail(BOB)).toBe('bob@example.test');
    const calls = h.double.callsTo('users.info').length;
    expect(await h.adapter.lookupEmail(BOB)).toBe('bob@example.test');
    expect(h.double.callsTo('users.info')).toHaveLength(calls);
    expect(await h.adapter.lookupEmail('U0NOBODY')).toBeNull();
  });

  it('doctor reports the token, scopes and channel membership', async () => {
    h.double.addChannel({ id: 'C0OUTSIDE', name: 'outside', isMember: false });
    const findings = await h.adapter.doctor([CHANNEL, 'C0OUTSIDE', 'C0MISSING']);
    expect(findings.map((f) => [f.check, f.ok])).toEqual([
      ['slack: token', true], ['slack: scopes', true], [`slack: channel ${CHANNEL}`, true], ['slack: channel C0OUTSIDE', false], ['slack: channel C0MISSING', false],
    ]);
    expect(findings[3]?.detail).toMatch(/not a member of #outside: invite it/);
    const broken = new SlackAdapter({ botToken: 'xoxb-wrong', signingSecret: 's', apiUrl: h.double.apiUrl });
    const [token] = await broken.doctor([CHANNEL]);
    expect(token).toMatchObject({ ok: false });
    expect(token?.detail).toMatch(/invalid_auth — check SLACK_BOT_TOKEN/);
  });
});
