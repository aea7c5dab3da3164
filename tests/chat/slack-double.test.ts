// The Slack double itself: documented shapes through the real WebClient, faults and rate limits.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackDouble } from '../doubles/slack-double.js';

describe('Slack Web API double', () => {
  let double: SlackDouble;
  let client: webApi.WebClient;

  beforeAll(async () => {
    double = await SlackDouble.start();
    double.addUser({ id: 'U1', name: 'alice', email: 'alice@example.test' });
    double.addChannel({ id: 'C1', name: 'support' });
    double.addChannel({ id: 'C2', name: 'outside', isMember: false });
    client = new webApi.WebClient(double.botToken, { slackApiUrl: double.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await double.close();
  });

  it('answers with the documented shapes and errors', async () => {
    const auth = await client.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: double.bot.userId, bot_id: double.bot.botId, team_id: double.team.id });
    expect(auth.response_metadata?.scopes).toContain('chat:write');
    const card = await client.chat.postMessage({ channel: 'C1', text: 'card' });
    expect(card).toMatchObject({ ok: true, channel: 'C1', message: { text: 'card', bot_id: double.bot.botId } });
    const reply = await client.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: card.ts! });
    expect(double.replies('C1', card.ts!).map((m) => m.ts)).toEqual([reply.ts]);
    const replies = await client.conversations.replies({ channel: 'C1', ts: reply.ts! });
    expect(replies.messages?.[0]?.thread_ts).toBe(card.ts);
    await client.reactions.add({ channel: 'C1', timestamp: card.ts!, name: 'eyes' });
    await expect(client.reactions.add({ channel: 'C1', timestamp: card.ts!, name: 'eyes' })).rejects.toMatchObject({ data: { error: 'already_reacted' } });
    expect((await client.users.info({ user: 'U1' })).user?.profile?.email).toBe('alice@example.test');
    expect((await client.conversations.info({ channel: 'C2' })).channel?.is_member).toBe(false);
    await expect(client.chat.postMessage({ channel: 'C2', text: 'x' })).rejects.toMatchObject({ data: { error: 'not_in_channel' } });
    await client.conversations.join({ channel: 'C2' });
    expect((await client.conversations.members({ channel: 'C2' })).members).toContain(double.bot.userId);
    await expect(client.chat.update({ channel: 'C1', ts: '1.2', text: 'x' })).rejects.toMatchObject({ data: { error: 'message_not_found' } });
    await expect(client.views.open({ trigger_id: 'made-up', view: { type: 'modal', title: { type: 'plain_text', text: 't' }, blocks: [] } }))
      .rejects.toMatchObject({ data: { error: 'invalid_trigger_id' } });
    const stranger = new webApi.WebClient('xoxb-other', { slackApiUrl: double.apiUrl, retryConfig: { retries: 0 } });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });
  });

  it('takes files the way files.uploadV2 sends them', async () => {
    const card = await client.chat.postMessage({ channel: 'C1', text: 'with file' });
    await client.filesUploadV2({ channel_id: 'C1', thread_ts: card.ts!, file_uploads: [{ file: Buffer.from('abc'), filename: 'a.txt' }] });
    const [message] = double.replies('C1', card.ts!);
    expect(message?.files.map((f) => [f.name, f.content.toString()])).toEqual([['a.txt', 'abc']]);
    expect(double.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['files.getUploadURLExternal', '(upload)', 'files.completeUploadExternal']));
  });

  it('answers 429 with Retry-After or 500 when told to, and enforces a per-second limit', async () => {
    double.failNext(1, { status: 429, retryAfter: 7 });
    await expect(client.auth.test()).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 7 });
    double.failNext(1, { status: 500 });
    await expect(client.auth.test()).rejects.toMatchObject({ code: webApi.ErrorCode.HTTPError, statusCode: 500 });
    double.clearFaults();
    double.rateLimit(2, 'method+channel');
    const results = await Promise.allSettled([1, 2, 3].map(() => client.chat.postMessage({ channel: 'C1', text: 'x' })));
    const other = await client.chat.postMessage({ channel: 'C2', text: 'other channel has its own budget' });
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(other.ok).toBe(true);
    double.clearFaults();
  });
});
