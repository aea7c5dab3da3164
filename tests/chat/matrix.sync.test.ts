// Matrix delivery guarantees, against the homeserver double through the real matrix-bot-sdk: the
// SDK imports with the crypto stand-in, a restart neither replays nor misses events, gaps in a
// limited sync are filled, and 429s (with retry_after_ms) on /sync and on sends lose or double
// nothing and keep the order.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { syncTokenKey } from '../../adapters/matrix/index.js';
import { eventually, RecordingHandlers, testCard } from './contract.js';
import { createMatrixHarness, ROOM, type MatrixHarness } from './matrix-harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('matrix-bot-sdk installation', () => {
  it('imports the SDK, with the in-repo stand-in installed for the native crypto module', async () => {
    const sdk = await import('matrix-bot-sdk');
    expect(typeof sdk.MatrixClient).toBe('function');
    const crypto = (await import('@matrix-org/matrix-sdk-crypto-nodejs')) as unknown as {
      isThreaddeskStub?: boolean; OlmMachine: { initialize(): Promise<unknown> }; RequestType: Record<string, number>;
    };
    expect(crypto.isThreaddeskStub).toBe(true);
    expect(crypto.RequestType.KeysQuery).toBe(1);
    await expect(crypto.OlmMachine.initialize()).rejects.toThrow(/End-to-end encryption is not supported by threaddesk/);
  });

  it('is wired through package.json overrides and recorded in the lockfile for npm ci', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; overrides: Record<string, string> };
    expect(pkg.dependencies['matrix-bot-sdk']).toMatch(/^\^?0\.7\./); // 0.8 needs Node 22
    expect(pkg.overrides['@matrix-org/matrix-sdk-crypto-nodejs']).toBe('$@matrix-org/matrix-sdk-crypto-nodejs');
    expect(pkg.dependencies['@matrix-org/matrix-sdk-crypto-nodejs']).toBe('file:vendor/matrix-sdk-crypto-stub');
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { resolved?: string; link?: boolean }> };
    expect(lock.packages['node_modules/@matrix-org/matrix-sdk-crypto-nodejs']).toEqual({ resolved: 'vendor/matrix-sdk-crypto-stub', link: true });
    // No second, real copy nested under the SDK (that one would download and load the native binary).
    expect(Object.keys(lock.packages).filter((p) => p.endsWith('/@matrix-org/matrix-sdk-crypto-nodejs'))).toEqual(['node_modules/@matrix-org/matrix-sdk-crypto-nodejs']);
  });
});

describe('matrix sync', () => {
  let h: MatrixHarness | undefined;
  afterEach(async () => {
    await h?.adapter.stop();
    await h?.close();
    h = undefined;
  });

  it('skips the room history on the very first start, then delivers what is new', async () => {
    h = await createMatrixHarness();
    const old = h.people.roomMessage(h.users.agent, ROOM, '!ticket list mine');
    const recorder = new RecordingHandlers();
    await h.adapter.start(recorder);
    h.people.roomMessage(h.users.agent, ROOM, '!ticket list open');
    await eventually(() => expect(recorder.commands.map((c) => c.text)).toEqual(['list open']));
    await h.settle();
    expect(recorder.commands.map((c) => c.text)).toEqual(['list open']);
    expect(old).toBeTruthy();
  });

  it('after a restart delivers what happened while stopped exactly once, and nothing from before', async () => {
    h = await createMatrixHarness();
    const bot = h.double.bot.userId;
    const first = new RecordingHandlers();
    await h.adapter.start(first);
    const thread = await h.adapter.openThread(ROOM, testCard());
    const before = await h.simulateThreadMessage(thread, h.users.agent, 'before the restart');
    await eventually(() => expect(first.messages.map((m) => m.text)).toEqual(['before the restart']));
    await h.settle();
    await h.adapter.stop();
    const tokenAtStop = h.store.entries.get(syncTokenKey(bot));
    expect(tokenAtStop).toBe(`s${h.double.position}`);

    const down1 = await h.simulateThreadMessage(thread, h.users.agent, 'while down 1');
    await h.simulateEdit(thread, before, h.users.agent, 'before the restart, edited');
    const down2 = await h.simulateThreadMessage(thread, h.users.other, 'while down 2');
    // The stopped adapter's last long poll is answered now; it must drop that answer.
    await sleep(300);
    expect(first.messages.map((m) => m.text)).toEqual(['before the restart']);
    expect(first.edits).toEqual([]);
    expect(h.store.entries.get(syncTokenKey(bot))).toBe(tokenAtStop);

    const second = new RecordingHandlers();
    const again = h.restart();
    await again.start(second);
    try {
      // start() resolves once the catch-up batch is handled.
      expect(second.messages.map((m) => [m.messageId, m.text])).toEqual([[down1, 'while down 1'], [down2, 'while down 2']]);
      expect(second.edits.map((e) => [e.messageId, e.text, e.threadId])).toEqual([[before, 'before the restart, edited', thread.threadId]]);
      const live = await h.simulateThreadMessage(thread, h.users.agent, 'after the restart');
      await eventually(() => expect(second.messages.map((m) => m.messageId)).toEqual([down1, down2, live]));
    } finally {
      await again.stop();
    }
  });

  it('stores the sync token only after the batch was handled, so a crash mid-batch loses nothing', async () => {
    h = await createMatrixHarness();
    let release: () => void = () => {};
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stuck = new (class extends RecordingHandlers {
      override async onThreadMessage(m: Parameters<RecordingHandlers['onThreadMessage']>[0]): Promise<void> {
        await hold; // the process "dies" while handling this message
        await super.onThreadMessage(m);
      }
    })();
    await h.adapter.start(stuck);
    const again = h.restart();
    try {
      const thread = await h.adapter.openThread(ROOM, testCard());
      await h.settle();
      const tokenBefore = h.store.entries.get(syncTokenKey(h.double.bot.userId));
      const id = await h.simulateThreadMessage(thread, h.users.agent, 'handled when the crash happens');
      await sleep(300);
      expect(h.store.entries.get(syncTokenKey(h.double.bot.userId))).toBe(tokenBefore);
      // A new process on the same store (the old one never stopped) gets the message again.
      const recorder = new RecordingHandlers();
      await again.start(recorder);
      expect(recorder.messages.map((m) => m.messageId)).toEqual([id]);
    } finally {
      release();
      await again.stop();
    }
  });

  it('completes a limited timeline from /messages, in order', async () => {
    h = await createMatrixHarness({ timelineLimit: 5 });
    const recorder = new RecordingHandlers();
    await h.adapter.start(recorder);
    const thread = await h.adapter.openThread(ROOM, testCard());
    await h.settle();
    await h.adapter.stop();
    const texts = Array.from({ length: 23 }, (_, i) => `gap ${i}`);
    for (const text of texts) await h.simulateThreadMessage(thread, h.users.agent, text);
    const again = h.restart();
    await again.start(recorder);
    try {
      expect(recorder.messages.map((m) => m.text)).toEqual(texts);
      expect(h.double.callsTo('messages').length).toBeGreaterThan(0);
    } finally {
      await again.stop();
    }
  });

  it('waits out a 429 on /sync and delivers every event once, in order', async () => {
    h = await createMatrixHarness();
    const recorder = new RecordingHandlers();
    await h.adapter.start(recorder);
    const thread = await h.adapter.openThread(ROOM, testCard());
    await h.settle();
    h.double.failNext(2, { status: 429, retryAfterMs: 300 }, (c) => c.route === 'sync');
    const ids = [await h.simulateThreadMessage(thread, h.users.agent, 'one')];
    await sleep(50); // the next /sync is refused now
    ids.push(await h.simulateThreadMessage(thread, h.users.agent, 'two'), await h.simulateThreadMessage(thread, h.users.agent, 'three'));
    await eventually(() => expect(recorder.messages.map((m) => m.messageId)).toEqual(ids), 10_000);
    await h.settle();
    expect(recorder.messages.map((m) => m.text)).toEqual(['one', 'two', 'three']);
    const limited = h.double.callsTo('sync').filter((c) => c.status === 429);
    expect(limited).toHaveLength(2);
    expect(limited[1]!.at - limited[0]!.at).toBeGreaterThanOrEqual(280);
  });

  it('waits out 429s on sends: every post lands once, in the order it was made', async () => {
    h = await createMatrixHarness();
    await h.adapter.start(new RecordingHandlers());
    const thread = await h.adapter.openThread(ROOM, testCard());
    h.double.failNext(3, { status: 429, retryAfterMs: 150 }, (c) => c.route === 'send');
    const started = Date.now();
    const ids = await Promise.all(['A', 'B', 'C'].map((text) => h!.adapter.post(thread, { kind: 'note', authorName: 'Alice', text })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    const messages = await h.threadMessages(thread);
    expect(messages.map((m) => m.id)).toEqual(ids);
    expect(messages.map((m) => m.text.split('\n').at(-1))).toEqual(['A', 'B', 'C']);
    expect(h.double.callsTo('send').filter((c) => c.status === 429)).toHaveLength(3);
  });

  it('does not post twice when an answer is lost after the homeserver stored the event', async () => {
    h = await createMatrixHarness();
    await h.adapter.start(new RecordingHandlers());
    const thread = await h.adapter.openThread(ROOM, testCard());
    h.double.failNext(1, { status: 500, afterProcessing: true }, (c) => c.route === 'send');
    const id = await h.adapter.post(thread, { kind: 'reply', authorName: 'Alice', text: 'exactly once' });
    expect((await h.threadMessages(thread)).map((m) => m.id)).toEqual([id]);
    const attempts = h.double.callsTo('send').slice(-2);
    expect(attempts.map((c) => c.status)).toEqual([500, 200]);
    expect(attempts[0]!.path).toBe(attempts[1]!.path); // same transaction id
  });

  it('gives up with a sentence when the homeserver asks for a wait longer than allowed', async () => {
    h = await createMatrixHarness({ calls: { maxRetryAfterMs: 100 } });
    await h.adapter.start(new RecordingHandlers());
    const thread = await h.adapter.openThread(ROOM, testCard());
    h.double.failNext(1, { status: 429, retryAfterMs: 60_000 }, (c) => c.route === 'send');
    await expect(h.adapter.post(thread, { kind: 'note', authorName: 'Alice', text: 'x' })).rejects.toThrow(/M_LIMIT_EXCEEDED .* exempt the bot account from rate limits/);
  });
});
