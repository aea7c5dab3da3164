// What only Matrix has, against the homeserver double through the real matrix-bot-sdk: the event
// shapes (m.thread with reply fallback, m.replace cards, notices), sanitised HTML with a plain
// body, media through the content repository, reaction buttons, private answers in direct rooms,
// encrypted rooms refused, doctor, login and invitations.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CARD_MARKER, loginWithPassword, MatrixAdapter } from '../../adapters/matrix/index.js';
import type { Json } from '../doubles/matrix-double.js';
import { eventually, RecordingHandlers, testCard } from './contract.js';
import { createMatrixHarness, ROOM, type MatrixHarness } from './matrix-harness.js';

const asObj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
/** Tags and attributes our HTML may contain: a strict subset of the spec's recommended list. */
const TAGS = new Set(['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
const ATTRIBUTES = /^(?:\s+(?:href="(?:https?:|mailto:)[^"<>]*"|start="\d+"))*\s*\/?$/;

function unsafeMarkup(html: string): string[] {
  return [...html.matchAll(/<\/?([a-zA-Z0-9-]+)([^>]*)>/g)]
    .filter(([, tag = '', attrs = '']) => !TAGS.has(tag.toLowerCase()) || !ATTRIBUTES.test(attrs))
    .map(([whole]) => whole);
}

describe('matrix specifics', () => {
  const recorder = new RecordingHandlers();
  let h: MatrixHarness;
  const content = (id: string) => h.double.event(ROOM, id)!.event.content;
  const botReactions = (cardId: string) => h.double.timeline(ROOM)
    .filter((s) => s.event.type === 'm.reaction' && !s.redacted && s.event.sender === h.double.bot.userId && asObj(s.event.content['m.relates_to']).event_id === cardId)
    .map((s) => asObj(s.event.content['m.relates_to']).key);

  beforeAll(async () => {
    h = await createMatrixHarness();
    await h.adapter.start(recorder);
  });
  afterAll(async () => {
    await h?.adapter.stop();
    await h?.close();
  });
  beforeEach(async () => {
    await h.settle();
    recorder.reset();
  });

  it('posts into the thread with m.thread, the reply fallback pointing at the newest event', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard());
    const first = await h.adapter.post(thread, { kind: 'note', authorName: 'Alice', text: 'one' });
    const second = await h.adapter.post(thread, { kind: 'note', authorName: 'Alice', text: 'two' });
    expect(content(first)['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: thread.threadId, is_falling_back: true, 'm.in_reply_to': { event_id: thread.threadId } });
    expect(content(second)['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: thread.threadId, is_falling_back: true, 'm.in_reply_to': { event_id: first } });
  });

  it('edits the card in place with m.replace and swaps the reaction buttons with the state', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard({ ticketId: 77 }));
    expect(content(thread.cardMessageId)[CARD_MARKER]).toMatchObject({ ticket_id: 77 });
    expect(botReactions(thread.cardMessageId)).toEqual(['Claim', 'Release', 'Waiting', 'Close']);
    await h.adapter.updateCard(thread, testCard({ ticketId: 77, state: 'closed', status: 'closed' }));
    const edit = h.double.timeline(ROOM).filter((s) => asObj(s.event.content['m.relates_to']).rel_type === 'm.replace').at(-1)!.event.content;
    expect(edit['m.relates_to']).toEqual({ rel_type: 'm.replace', event_id: thread.cardMessageId });
    expect(String(edit.body)).toMatch(/^\* /);
    expect(String(asObj(edit['m.new_content']).body)).toContain('Status: closed');
    expect(botReactions(thread.cardMessageId)).toEqual(['Reopen']);
    await h.simulateButton(thread, 'reopen', { userId: h.users.agent });
    await eventually(() => expect(recorder.commands.map((c) => [c.text, c.source])).toEqual([['reopen', 'button']]));
  });

  it('sends sanitised HTML with a plain-text body, and mentions nobody', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard({ subject: '<img src=x onerror=alert(1)> @room' }));
    const hostile = [
      '<script>alert(1)</script> <img src=x onerror=alert(2)> <a href="javascript:alert(3)">x</a> <b onclick="y">b</b>',
      '[click](javascript:alert(4)) [pill](https://matrix.to/#/@admin:double.test) ![img](https://evil.test/x.png) "quoted" & \'single\'',
      '**bold** _em_ `<code>` @room', '```\n<div>code</div>\n```', '| a | b |\n|---|---|\n| <i>1</i> | 2 |',
    ].join('\n\n');
    const id = await h.adapter.post(thread, { kind: 'customer', authorName: '<b>Mallory</b> @room', text: hostile });
    for (const c of [content(id), content(thread.cardMessageId)]) {
      expect(c.format).toBe('org.matrix.custom.html');
      expect(unsafeMarkup(String(c.formatted_body))).toEqual([]);
      // Hostile words may show as text; inside a tag they must not appear.
      expect(String(c.formatted_body)).not.toMatch(/<[^>]*(?:javascript:|onerror|onclick|src=|matrix\.to)[^>]*>/);
      expect(typeof c.body).toBe('string');
      expect(String(c.body)).not.toMatch(/<strong>|<p>|@room/); // plain text, and @room defused
      expect(c['m.mentions']).toEqual({});
    }
    const [shown] = await h.threadMessages(thread);
    expect(shown?.text).toContain('<script>alert(1)</script>');
    expect(shown?.text).toContain('"quoted" & \'single\'');
    expect(String(content(id).formatted_body)).toContain('<strong>bold</strong>');
    expect(String(content(id).body)).toContain('**bold**');
  });

  it('uploads attachments to the content repository and removes them with their message', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard());
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const id = await h.adapter.post(thread, {
      kind: 'customer', authorName: 'Carol', text: 'two files',
      attachments: [{ filename: 'shot.png', contentType: 'image/png', content: png }, { filename: 'log.txt', contentType: 'text/plain', content: Buffer.from('log') }],
    });
    const files = h.double.timeline(ROOM).filter((s) => s.event.content['org.threaddesk.part_of'] === id);
    expect(files.map((s) => [s.event.content.msgtype, s.event.content.filename])).toEqual([['m.image', 'shot.png'], ['m.file', 'log.txt']]);
    expect(h.double.mediaOf(String(files[0]!.event.content.url))?.content).toEqual(png);
    expect(h.double.mediaOf(String(files[1]!.event.content.url))).toMatchObject({ contentType: 'text/plain', filename: 'log.txt' });
    expect(h.double.callsTo('upload').filter((c) => c.status === 200).length).toBeGreaterThanOrEqual(2);
    await h.adapter.remove(thread, id);
    expect(await h.threadMessages(thread)).toEqual([]);
  });

  it('answers a command with a notice replying to it in the thread, mentioning only its author', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard());
    const command = await h.simulateThreadMessage(thread, h.users.agent, '!ticket claim');
    await h.settle();
    const answer = h.double.timeline(ROOM).filter((s) => s.event.sender === h.double.bot.userId && s.event.content.msgtype === 'm.notice').at(-1)!.event.content;
    expect(answer['m.relates_to']).toEqual({ rel_type: 'm.thread', event_id: thread.threadId, is_falling_back: false, 'm.in_reply_to': { event_id: command } });
    expect(answer['m.mentions']).toEqual({ user_ids: [h.users.agent] });
    expect(answer.body).toBe('answer to: claim');
  });

  it('takes a mention of the bot as a command, and ignores notices, other senders\' edits and chatter', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard());
    h.people.mention(h.users.agent, ROOM, { userId: h.double.bot.userId, name: 'threaddesk' }, 'assign @bob:double.test', thread.threadId);
    h.people.mention(h.users.agent, ROOM, { userId: h.users.other, name: 'threaddesk' }, 'not for the bot', thread.threadId);
    const message = await h.simulateThreadMessage(thread, h.users.agent, 'mine');
    h.people.edit(h.users.other, ROOM, message, 'edited by someone else');
    h.double.inject(h.users.other, ROOM, 'm.room.message', { msgtype: 'm.notice', body: 'another bot', 'm.relates_to': { rel_type: 'm.thread', event_id: thread.threadId } });
    h.people.roomMessage(h.users.agent, ROOM, 'chatter in the room');
    await h.settle();
    expect(recorder.commands.map((c) => [c.source, c.text, c.threadId])).toEqual([['mention', 'assign @bob:double.test', thread.threadId]]);
    expect(recorder.messages.map((m) => m.text)).toEqual(['threaddesk: not for the bot', 'mine']);
    expect(recorder.edits).toEqual([]);
  });

  it('normalises reaction keys to the Unicode the core expects', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard());
    for (const key of ['✅️', '✋🏽', '⌛', '👍🏻', '+1']) h.people.react(h.users.agent, ROOM, thread.cardMessageId, key);
    await eventually(() => expect(recorder.reactions.map((r) => r.emoji)).toEqual(['✅', '✋', '⏳', '👍', '+1']));
  });

  it('answers privately in a direct room, created once per user', async () => {
    const thread = await h.adapter.openThread(ROOM, testCard());
    const creates = h.double.callsTo('createRoom').length;
    await h.adapter.notify({ channelId: ROOM, threadId: thread.threadId, userId: h.users.other }, 'first');
    await h.adapter.notify({ channelId: ROOM, userId: h.users.other }, 'second');
    expect(h.double.callsTo('createRoom').length).toBe(creates + 1);
    const dm = [...h.double.rooms.values()].find((r) => r.isDirect && h.double.membership(r.roomId, h.users.other) === 'invite')!;
    expect(h.double.rooms.get(dm.roomId)?.state.get('m.room.encryption\u0000')).toBeUndefined();
    const notices = h.double.timeline(dm.roomId).filter((s) => s.event.content.msgtype === 'm.notice').map((s) => String(s.event.content.body));
    expect(notices).toEqual([expect.stringMatching(/^first\n\nTicket thread: https:\/\/matrix\.to\/#\//), 'second']);
  });
});

describe('matrix rooms, doctor and login', () => {
  let h: MatrixHarness;
  let encrypted: string;
  beforeAll(async () => {
    h = await createMatrixHarness();
    const { agent } = h.users;
    encrypted = h.double.addRoom({ name: 'Secret', members: [agent], encrypted: true }).roomId;
    h.double.addRoom({ roomId: '!outside:double.test', members: [agent], bot: 'none' });
    h.double.addRoom({ roomId: '!aliased:double.test', alias: '#helpdesk:double.test', members: [agent] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('refuses encrypted rooms clearly: in the log, on openThread, and in doctor', async () => {
    const adapter = h.restart({ rooms: [ROOM, encrypted] });
    await adapter.start(new RecordingHandlers());
    try {
      expect(h.log.messages('error').some((m) => m.includes(`${encrypted} is end-to-end encrypted`))).toBe(true);
      await expect(adapter.openThread(encrypted, testCard())).rejects.toThrow(/end-to-end encrypted: threaddesk does not support end-to-end encrypted Matrix rooms yet: create an unencrypted room/);
      expect((await adapter.openThread(ROOM, testCard())).channelId).toBe(ROOM);
    } finally {
      await adapter.stop();
    }
  });

  it('doctor reports the login, membership, aliases and encryption with what to do', async () => {
    const findings = await h.adapter.doctor([ROOM, encrypted, '!outside:double.test', '#helpdesk:double.test']);
    expect(findings.map((f) => [f.check, f.ok])).toEqual([
      ['matrix: login', true], [`matrix: room ${ROOM}`, true], [`matrix: room ${encrypted}`, false],
      ['matrix: room !outside:double.test', false], ['matrix: room #helpdesk:double.test', false],
    ]);
    expect(findings[0]?.detail).toContain(`as ${h.double.bot.userId}`);
    expect(findings[1]?.detail).toMatch(/member of "Support"/);
    expect(findings[2]?.detail).toMatch(/"Secret" .* is end-to-end encrypted: .*create an unencrypted room/);
    expect(findings[3]?.detail).toMatch(/has not joined .* \/invite @threaddesk:double\.test/);
    expect(findings[4]?.detail).toMatch(/room alias; .* configure !aliased:double\.test instead/);
    const broken = new MatrixAdapter({ homeserverUrl: h.double.url, accessToken: 'syt_wrong' });
    const [login] = await broken.doctor([ROOM]);
    expect(login).toMatchObject({ check: 'matrix: login', ok: false });
    expect(login?.detail).toMatch(/M_UNKNOWN_TOKEN .* set MATRIX_ACCESS_TOKEN/);
  });

  it('joins a configured room when invited, and ignores invitations to other rooms', async () => {
    const later = h.double.addRoom({ members: [h.users.agent], bot: 'none' }).roomId;
    const other = h.double.addRoom({ members: [h.users.agent], bot: 'none' }).roomId;
    const adapter = h.restart({ rooms: [ROOM, later] });
    await adapter.start(new RecordingHandlers());
    try {
      expect(h.log.messages('error').some((m) => m.includes(`Matrix room ${later} is not usable`) && m.includes('invite it'))).toBe(true);
      h.double.setMembership(later, h.users.agent, h.double.bot.userId, 'invite');
      h.double.setMembership(other, h.users.agent, h.double.bot.userId, 'invite');
      await eventually(() => expect(h.double.membership(later, h.double.bot.userId)).toBe('join'));
      await eventually(() => expect(h.double.caughtUp(h.double.bot.userId)).toBe(true)); // both invitations handled
      expect(h.double.membership(other, h.double.bot.userId)).toBe('invite');
    } finally {
      await adapter.stop();
    }
  });

  it('logs in with a password to obtain the access token', async () => {
    const login = await loginWithPassword(h.double.url, 'threaddesk', h.double.bot.password);
    expect(login).toMatchObject({ userId: h.double.bot.userId, accessToken: h.double.bot.accessToken });
    await expect(loginWithPassword(h.double.url, 'threaddesk', 'wrong')).rejects.toThrow(/M_FORBIDDEN.*check the homeserver URL, the user name and the password/);
  });

  it('rejects empty settings with the variable to set', () => {
    expect(() => new MatrixAdapter({ homeserverUrl: '', accessToken: 'x' })).toThrow(/MATRIX_HOMESERVER_URL/);
    expect(() => new MatrixAdapter({ homeserverUrl: 'http://x', accessToken: '' })).toThrow(/MATRIX_ACCESS_TOKEN/);
  });
});
