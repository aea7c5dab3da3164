// The contract every chat adapter passes against its platform double, so the platforms cannot
// drift apart. A platform provides a ContractHarness: the adapter (not started) plus drivers that
// act like people on the platform and inspectors that read what people would see there.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  ChatAdapter, ChatAttachment, ChatHandlers, CommandAnswer, InboundCommand, InboundDeletion, InboundEdit,
  InboundReaction, InboundThreadMessage, ThreadRef, TicketCard,
} from '../../adapters/chat-port.js';

export interface RenderedMessage {
  id: string;
  /** What a reader sees: markup resolved, entities decoded. */
  text: string;
  /** Mentions that would notify someone (@channel, @here, @everyone, a user or group). */
  pings: string[];
  files: string[];
}

export interface ContractHarness {
  adapter: ChatAdapter;
  channelId: string;
  /** Two people on the platform, members of the channel. */
  users: { agent: string; other: string };
  simulateThreadMessage(thread: ThreadRef, userId: string, text: string, options?: { files?: ChatAttachment[] }): Promise<string>;
  simulateEdit(thread: ThreadRef, messageId: string, userId: string, text: string): Promise<void>;
  simulateDelete(thread: ThreadRef, messageId: string, userId: string): Promise<void>;
  /** The platform's command path: in the thread when threadId is given, else its top-level command. */
  simulateCommand(text: string, options: { userId: string; threadId?: string }): Promise<void>;
  simulateReaction(thread: ThreadRef, messageId: string, emoji: string, options: { userId: string }): Promise<void>;
  /** Presses the card button for `verb` (claim, release, waiting, close). */
  simulateButton(thread: ThreadRef, verb: string, options: { userId: string }): Promise<void>;
  threadMessages(thread: ThreadRef): Promise<RenderedMessage[]>;
  cardOf(thread: ThreadRef): Promise<RenderedMessage>;
  /** Ids of every message in the channel, threads included. */
  channelMessageIds(channelId: string): Promise<string[]>;
  ephemeralsFor(userId: string): Promise<RenderedMessage[]>;
  /** Waits until the platform delivered what it had to and the adapter's handlers finished. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Handlers that record what arrives; commands are answered with `answer to: <text>`. */
export class RecordingHandlers implements ChatHandlers {
  messages: InboundThreadMessage[] = [];
  edits: InboundEdit[] = [];
  deletions: InboundDeletion[] = [];
  commands: InboundCommand[] = [];
  reactions: InboundReaction[] = [];

  reset(): void {
    this.messages = []; this.edits = []; this.deletions = []; this.commands = []; this.reactions = [];
  }
  async onThreadMessage(m: InboundThreadMessage): Promise<void> { this.messages.push(m); }
  async onMessageEdited(e: InboundEdit): Promise<void> { this.edits.push(e); }
  async onMessageDeleted(d: InboundDeletion): Promise<void> { this.deletions.push(d); }
  async onCommand(c: InboundCommand): Promise<CommandAnswer> {
    this.commands.push(c);
    return { ok: true, text: `answer to: ${c.text}` };
  }
  async onReaction(r: InboundReaction): Promise<void> { this.reactions.push(r); }
}

/** Polls `check` until it stops throwing (bounded by `timeoutMs`). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export function testCard(overrides: Partial<TicketCard> = {}): TicketCard {
  return {
    ticketId: 1, number: '20261123000001', subject: 'Printer on fire', requester: 'Carol <carol@example.test>',
    department: 'IT', status: 'open', state: 'open', assignee: null, priority: 'normal', topic: null,
    createdAt: new Date('2026-11-23T10:00:00Z'), tags: [], ...overrides,
  };
}

export function defineChatContract(name: string, setup: () => Promise<ContractHarness>): void {
  describe(`chat contract: ${name}`, () => {
    const recorder = new RecordingHandlers();
    let h: ContractHarness;
    let nextTicket = 1;
    const open = (overrides: Partial<TicketCard> = {}) => {
      nextTicket += 1;
      return h.adapter.openThread(h.channelId, testCard({ ticketId: nextTicket, number: `2026112300${String(nextTicket).padStart(4, '0')}`, ...overrides }));
    };

    beforeAll(async () => {
      h = await setup();
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

    it('opens a thread whose card shows number, subject and status', async () => {
      const thread = await open({ subject: 'VPN is down', status: 'open' });
      expect(thread.platform).toBe(h.adapter.platform);
      expect(thread.channelId).toBe(h.channelId);
      const card = await h.cardOf(thread);
      expect(card.id).toBe(thread.cardMessageId);
      expect(card.text).toContain(`2026112300${String(nextTicket).padStart(4, '0')}`);
      expect(card.text).toContain('VPN is down');
      expect(card.text).toContain('open');
    });

    it('updates the card in place instead of posting a new message', async () => {
      const thread = await open();
      const before = await h.channelMessageIds(h.channelId);
      await h.adapter.updateCard(thread, testCard({ ticketId: nextTicket, status: 'in_progress', assignee: 'Alice Agent' }));
      expect(await h.channelMessageIds(h.channelId)).toEqual(before);
      const card = await h.cardOf(thread);
      expect(card.id).toBe(thread.cardMessageId);
      expect(card.text).toContain('in_progress');
      expect(card.text).toContain('Alice Agent');
    });

    it('posts, edits and removes thread messages, with author and kind shown', async () => {
      const thread = await open();
      const id = await h.adapter.post(thread, { kind: 'note', authorName: 'Alice Agent', text: 'Checked the **logs**', origin: 'web' });
      let messages = await h.threadMessages(thread);
      expect(messages.map((m) => m.id)).toEqual([id]);
      expect(messages[0]?.text).toContain('Alice Agent');
      expect(messages[0]?.text).toMatch(/internal|note/i);
      expect(messages[0]?.text).toContain('logs');
      await h.adapter.edit(thread, id, { kind: 'note', authorName: 'Alice Agent', text: 'Checked the logs twice' });
      messages = await h.threadMessages(thread);
      expect(messages.map((m) => m.id)).toEqual([id]);
      expect(messages[0]?.text).toContain('twice');
      await h.adapter.remove(thread, id);
      expect(await h.threadMessages(thread)).toEqual([]);
    });

    it('posts attachments into the thread', async () => {
      const thread = await open();
      await h.adapter.post(thread, {
        kind: 'customer', authorName: 'Carol', text: 'Screenshot attached',
        attachments: [{ filename: 'screen.png', contentType: 'image/png', content: Buffer.from('not really a png') }],
      });
      const files = (await h.threadMessages(thread)).flatMap((m) => m.files);
      expect(files).toEqual(['screen.png']);
    });

    it('delivers a thread message, its edit and its deletion with the right thread', async () => {
      const thread = await open();
      const id = await h.simulateThreadMessage(thread, h.users.agent, 'We will look at it');
      await eventually(() => expect(recorder.messages).toHaveLength(1));
      expect(recorder.messages[0]).toMatchObject({
        platform: h.adapter.platform, channelId: h.channelId, threadId: thread.threadId, messageId: id,
        actor: { platform: h.adapter.platform, userId: h.users.agent }, text: 'We will look at it', files: [],
      });
      await h.simulateEdit(thread, id, h.users.agent, 'We will look at it today');
      await eventually(() => expect(recorder.edits).toHaveLength(1));
      expect(recorder.edits[0]).toMatchObject({ channelId: h.channelId, threadId: thread.threadId, messageId: id, text: 'We will look at it today' });
      await h.simulateDelete(thread, id, h.users.agent);
      await eventually(() => expect(recorder.deletions).toHaveLength(1));
      expect(recorder.deletions[0]).toMatchObject({ channelId: h.channelId, threadId: thread.threadId, messageId: id });
    });

    it('delivers files of an inbound message that can be fetched', async () => {
      const thread = await open();
      const content = Buffer.from('line 1\nline 2\n');
      await h.simulateThreadMessage(thread, h.users.agent, 'log attached', { files: [{ filename: 'app.log', contentType: 'text/plain', content }] });
      await eventually(() => expect(recorder.messages).toHaveLength(1));
      const files = recorder.messages[0]?.files ?? [];
      expect(files.map((f) => f.filename)).toEqual(['app.log']);
      expect(await files[0]?.fetch()).toEqual(content);
    });

    it('turns a command in the thread into a command, answered only to its author', async () => {
      const thread = await open();
      await h.simulateCommand('claim', { userId: h.users.agent, threadId: thread.threadId });
      await eventually(async () => expect((await h.ephemeralsFor(h.users.agent)).map((e) => e.text)).toContain('answer to: claim'));
      expect(recorder.commands).toHaveLength(1);
      expect(recorder.commands[0]).toMatchObject({ channelId: h.channelId, threadId: thread.threadId, text: 'claim', actor: { userId: h.users.agent } });
      expect(['text', 'mention']).toContain(recorder.commands[0]?.source);
      expect(recorder.messages).toEqual([]);
      expect((await h.ephemeralsFor(h.users.other)).map((e) => e.text)).not.toContain('answer to: claim');
    });

    it('turns a top-level command into a command without a thread', async () => {
      await h.simulateCommand('list mine', { userId: h.users.agent });
      await eventually(async () => expect((await h.ephemeralsFor(h.users.agent)).map((e) => e.text)).toContain('answer to: list mine'));
      expect(recorder.commands).toHaveLength(1);
      expect(recorder.commands[0]?.threadId).toBeUndefined();
      expect(recorder.commands[0]).toMatchObject({ channelId: h.channelId, text: 'list mine' });
    });

    it('turns a card button into a command on that thread', async () => {
      const thread = await open();
      await h.simulateButton(thread, 'close', { userId: h.users.agent });
      await eventually(() => expect(recorder.commands).toHaveLength(1));
      expect(recorder.commands[0]).toMatchObject({ source: 'button', text: 'close', threadId: thread.threadId, channelId: h.channelId });
      await eventually(async () => expect((await h.ephemeralsFor(h.users.agent)).map((e) => e.text)).toContain('answer to: close'));
    });

    it('delivers reactions as Unicode emoji with message and thread', async () => {
      const thread = await open();
      const id = await h.simulateThreadMessage(thread, h.users.agent, 'done?');
      await h.simulateReaction(thread, id, '✅', { userId: h.users.other });
      await h.simulateReaction(thread, thread.cardMessageId, '✋', { userId: h.users.agent });
      await eventually(() => expect(recorder.reactions).toHaveLength(2));
      expect(recorder.reactions[0]).toMatchObject({ emoji: '✅', messageId: id, threadId: thread.threadId, actor: { userId: h.users.other } });
      expect(recorder.reactions[1]).toMatchObject({ emoji: '✋', messageId: thread.cardMessageId, threadId: thread.threadId });
    });

    it('does not deliver its own posts back as inbound events', async () => {
      const thread = await open();
      const id = await h.adapter.post(thread, { kind: 'reply', authorName: 'Alice Agent', text: '!ticket close' });
      await h.adapter.edit(thread, id, { kind: 'reply', authorName: 'Alice Agent', text: 'edited' });
      await h.adapter.remove(thread, id);
      await h.adapter.updateCard(thread, testCard({ status: 'waiting' }));
      await h.adapter.notify({ channelId: h.channelId, threadId: thread.threadId, userId: h.users.agent }, 'psst');
      await h.settle();
      const sentinel = await h.simulateThreadMessage(thread, h.users.agent, 'sentinel');
      await eventually(() => expect(recorder.messages.map((m) => m.messageId)).toContain(sentinel));
      await h.settle();
      expect(recorder.messages.map((m) => m.text)).toEqual(['sentinel']);
      expect([recorder.edits, recorder.deletions, recorder.commands, recorder.reactions]).toEqual([[], [], [], []]);
    });

    it('notifies only the named user', async () => {
      const thread = await open();
      await h.adapter.notify({ channelId: h.channelId, threadId: thread.threadId, userId: h.users.agent }, 'Only **you** see this');
      expect((await h.ephemeralsFor(h.users.agent)).some((e) => e.text.includes('you') && e.text.includes('Only'))).toBe(true);
      expect((await h.ephemeralsFor(h.users.other)).some((e) => e.text.includes('Only'))).toBe(false);
    });

    it('shows hostile subjects, names and bodies as inert text', async () => {
      const subject = '<script>alert(1)</script> <!channel> @everyone @here <@U0ADMIN>';
      const thread = await open({ subject, requester: '<!here> Mallory', tags: ['<!channel>'] });
      const card = await h.cardOf(thread);
      expect(card.pings).toEqual([]);
      expect(card.text).toContain('<script>alert(1)</script>');
      expect(card.text).toContain('<!channel>');
      await h.adapter.post(thread, { kind: 'customer', authorName: '<!channel>', text: `hi @everyone <!here> <@U0ADMIN> [x](<!channel>)\n\n${subject}` });
      const [message] = await h.threadMessages(thread);
      expect(message?.pings).toEqual([]);
      expect(message?.text).toContain('<script>alert(1)</script>');
    });
  });
}
