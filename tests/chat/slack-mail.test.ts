// The two bridges together: a customer's mail appears as a card and message in the Slack thread,
// and an agent's thread message reaches the customer as mail after the undo window, threaded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackAdapter } from '../../adapters/slack/index.js';
import type { Threaddesk } from '../../src/main.js';
import { SlackDouble } from '../doubles/slack-double.js';
import { sendRaw, type RecordingSmtp } from '../mail-bridge/recording-smtp.js';
import { startMailChatServer, type MailChatServer } from './mail-chat-server.js';
import { SlackWorkspace } from './slack-workspace.js';

const SECRET = 'slack-mail-secret';
const CHANNEL = 'C0MAIL';
const ALICE = 'U0ALICE';

describe('mail in → Slack thread → mail out', () => {
  let double: SlackDouble;
  let server: MailChatServer;
  let td: Threaddesk;
  let smtp: RecordingSmtp;
  let workspace: SlackWorkspace;

  beforeAll(async () => {
    double = await SlackDouble.start();
    double.addUser({ id: ALICE, name: 'alice', email: 'alice@example.org' });
    double.addChannel({ id: CHANNEL, name: 'support', members: [ALICE] });
    server = await startMailChatServer({
      chat: { slack: { botToken: double.botToken, signingSecret: SECRET, apiUrl: double.apiUrl } },
      config: {
        chat: { undoSeconds: 1 },
        agents: [{ email: 'alice@example.org', name: 'Alice', slack: ALICE }],
        departments: [{ id: 'support', name: 'Support', emails: ['support@example.org'], channels: { slack: CHANNEL }, members: [{ agent: 'alice@example.org', access: 'write' }] }],
      },
    });
    ({ td, smtp } = server);
    workspace = new SlackWorkspace(double, `http://127.0.0.1:${td.port}/slack/events`, SECRET);
  });

  afterAll(async () => {
    await server?.stop();
    await double?.close();
  });

  const until: MailChatServer['until'] = (what, probe, tries) => server.until(what, probe, tries);

  it('mirrors a customer mail into a thread and mails the agent’s thread reply back, threaded', async () => {
    const mailId = '<first-contact@customer.example>';
    const raw = Buffer.from(
      [
        'From: Carla Customer <carla@customer.example>',
        'To: support@example.org',
        'Subject: Laptop will not boot',
        `Message-ID: ${mailId}`,
        'Date: Mon, 23 Nov 2026 10:00:00 +0000',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'It shows a blinking cursor and nothing else.',
        '',
      ].join('\r\n'),
    );
    await sendRaw(server.listenPort, raw, { from: 'carla@customer.example', to: ['support@example.org'] });

    const card = await until('the card', () => double.messages.find((m) => m.channel === CHANNEL && !m.threadTs && m.text.includes('Laptop will not boot')));
    const number = /\d{14}/.exec(card.text)![0];
    await until('the customer message in the thread', () => double.replies(CHANNEL, card.ts).find((m) => m.text.includes('blinking cursor')));
    // The acknowledgement went to the customer, threaded to her mail.
    const ack = await smtp.waitFor((m) => m.to.includes('carla@customer.example') && (m.header('subject') ?? '').includes(number), 15_000);
    expect(ack.header('auto-submitted')).toBe('auto-replied');

    await workspace.post(ALICE, CHANNEL, 'Hello Carla, please hold the power button for 10 seconds.', { threadTs: card.ts });
    await (td.chatAdapters.get('slack') as SlackAdapter).settled();
    const reply = await smtp.waitFor((m) => m.to.includes('carla@customer.example') && m.raw.toString().includes('power button'), 20_000);
    expect(reply.header('subject')).toContain(`[#${number}]`);
    expect(reply.header('in-reply-to')).toBeDefined();
    expect(reply.header('references')).toContain(mailId);
    expect(reply.header('auto-submitted')).toBeUndefined();
    // Once: the thread message is the reply, not posted again by the bot.
    expect(double.replies(CHANNEL, card.ts).filter((m) => m.text.includes('power button'))).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.raw.toString().includes('power button'))).toHaveLength(1);
  });
});
