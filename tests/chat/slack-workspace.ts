// The people side of the Slack double: users post, edit, delete, react, run /ticket, click card
// buttons and use the message shortcut. Each action changes the double's state and then Slack's
// delivery is imitated: a signed request to our events URL, one at a time, in order. The bot's
// own posts, edits and deletions are delivered back too (as Slack does), so echo suppression is
// tested against the real thing.
import { interactivityBody, signedSlackRequest, type BotActivity, type DoubleMessage, type SignedResponse, type SlackDouble } from '../doubles/slack-double.js';

type Json = Record<string, unknown>;

export class SlackWorkspace {
  readonly deliveries: Array<{ kind: string; status: number; body: string }> = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly double: SlackDouble,
    private readonly eventsUrl: string,
    private readonly signingSecret: string,
  ) {
    double.onBotActivity((activity) => void this.deliverEvent(this.echo(activity)).catch(() => undefined));
  }

  /** Resolves when every delivery queued so far has been answered. */
  async idle(): Promise<void> {
    // Bounded: each round awaits the chain as it was; deliveries queued meanwhile need another round.
    for (let round = 0; round < 50; round += 1) {
      const current = this.chain;
      await current;
      if (current === this.chain) return;
    }
  }

  async post(user: string, channel: string, text: string, options: { threadTs?: string; files?: Array<{ filename: string; contentType: string; content: Buffer }> } = {}): Promise<DoubleMessage> {
    const files = (options.files ?? []).map((f) => this.double.addFile(f.filename, f.contentType, f.content));
    const message = this.double.insertMessage({ channel, user, text, threadTs: options.threadTs, files });
    const event = { ...this.eventJson(message), ...(files.length > 0 ? { subtype: 'file_share' } : {}) };
    await this.deliverEvent(event);
    // Slack sends app_mention as well as the message event when the bot is mentioned.
    if (text.includes(`<@${this.double.bot.userId}>`)) {
      await this.deliverEvent({ type: 'app_mention', user, text, ts: message.ts, channel, event_ts: message.ts, ...(options.threadTs ? { thread_ts: options.threadTs } : {}) });
    }
    return message;
  }

  async edit(user: string, channel: string, ts: string, text: string): Promise<SignedResponse> {
    const message = this.find(channel, ts);
    const previous = this.double.messageJson(message);
    message.text = text;
    message.edited = { user, ts: this.double.nextTs() };
    return this.deliverEvent({
      type: 'message', subtype: 'message_changed', hidden: true, channel, ts: this.double.nextTs(),
      message: this.double.messageJson(message), previous_message: previous, event_ts: message.edited.ts, channel_type: 'channel',
    });
  }

  async remove(_user: string, channel: string, ts: string): Promise<SignedResponse> {
    const message = this.find(channel, ts);
    message.deleted = true;
    return this.deliverEvent(this.deletedEvent(message));
  }

  async react(user: string, channel: string, ts: string, name: string): Promise<SignedResponse> {
    const message = this.find(channel, ts);
    message.reactions.set(name, (message.reactions.get(name) ?? new Set<string>()).add(user));
    return this.deliverEvent({ type: 'reaction_added', user, reaction: name, item_user: message.user, item: { type: 'message', channel, ts }, event_ts: this.double.nextTs() });
  }

  async slash(user: string, channel: string, text: string, command = '/ticket', options: { timestamp?: number; signature?: string } = {}): Promise<SignedResponse> {
    const form = new URLSearchParams({
      token: 'unused', team_id: this.double.team.id, team_domain: 'double', channel_id: channel, channel_name: this.double.channels.get(channel)?.name ?? channel,
      user_id: user, user_name: this.double.users.get(user)?.name ?? user, command, text, api_app_id: this.double.bot.appId,
      is_enterprise_install: 'false', response_url: this.double.issueResponseUrl(user, channel), trigger_id: this.double.issueTrigger(user),
    });
    return this.deliver('slash', form, options);
  }

  /** Clicks the button labelled `label` (case-insensitive) on a message. */
  async click(user: string, channel: string, ts: string, label: string): Promise<SignedResponse> {
    const message = this.find(channel, ts);
    const buttons = (message.blocks ?? []).flatMap((b) => (Array.isArray((b as Json).elements) ? ((b as Json).elements as Json[]) : []));
    const button = buttons.find((e) => e.type === 'button' && String((e.text as Json | undefined)?.text).toLowerCase() === label.toLowerCase());
    if (!button) throw new Error(`no button labelled "${label}" on message ${ts}`);
    return this.deliver('button', interactivityBody({
      type: 'block_actions', user: this.userJson(user), api_app_id: this.double.bot.appId, token: 'unused', trigger_id: this.double.issueTrigger(user),
      team: { id: this.double.team.id, domain: 'double' }, channel: { id: channel, name: this.double.channels.get(channel)?.name },
      container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false, ...(message.threadTs ? { thread_ts: message.threadTs } : {}) },
      message: this.double.messageJson(message), response_url: this.double.issueResponseUrl(user, channel),
      actions: [{ type: 'button', action_id: button.action_id, block_id: 'ticket_card_actions', value: button.value, text: button.text, action_ts: this.double.nextTs() }],
    }));
  }

  async shortcut(user: string, channel: string, ts: string, callbackId = 'ticket_actions'): Promise<SignedResponse> {
    const message = this.find(channel, ts);
    return this.deliver('shortcut', interactivityBody({
      type: 'message_action', callback_id: callbackId, trigger_id: this.double.issueTrigger(user), message_ts: ts, token: 'unused',
      team: { id: this.double.team.id, domain: 'double' }, channel: { id: channel, name: this.double.channels.get(channel)?.name },
      user: this.userJson(user), message: this.double.messageJson(message), response_url: this.double.issueResponseUrl(user, channel),
    }));
  }

  /** Submits an opened modal with `values` in Slack's view.state.values shape. */
  async submitView(user: string, viewId: string, values: Record<string, Record<string, Json>>): Promise<SignedResponse> {
    const opened = this.double.views.find((v) => v.id === viewId);
    if (!opened) throw new Error(`no open view ${viewId}`);
    return this.deliver('view', interactivityBody({
      type: 'view_submission', team: { id: this.double.team.id, domain: 'double' }, user: this.userJson(user), api_app_id: this.double.bot.appId, token: 'unused',
      trigger_id: this.double.issueTrigger(user), view: { id: viewId, team_id: this.double.team.id, ...opened.view, state: { values } }, response_urls: [],
    }));
  }

  // ---- internals -----------------------------------------------------------------------------
  private find(channel: string, ts: string): DoubleMessage {
    const message = this.double.message(channel, ts);
    if (!message) throw new Error(`no message ${ts} in ${channel}`);
    return message;
  }

  private userJson(user: string): Json {
    return { id: user, username: this.double.users.get(user)?.name ?? user, name: this.double.users.get(user)?.name ?? user, team_id: this.double.team.id };
  }

  private eventJson(message: DoubleMessage): Json {
    return { ...this.double.messageJson(message), channel: message.channel, channel_type: 'channel', event_ts: message.ts };
  }

  private deletedEvent(message: DoubleMessage): Json {
    return {
      type: 'message', subtype: 'message_deleted', hidden: true, channel: message.channel, ts: this.double.nextTs(),
      deleted_ts: message.ts, previous_message: this.double.messageJson(message), event_ts: this.double.nextTs(), channel_type: 'channel',
    };
  }

  private echo(activity: BotActivity): Json {
    const { message } = activity;
    if (activity.kind === 'posted') return this.eventJson(message);
    if (activity.kind === 'deleted') return this.deletedEvent(message);
    return {
      type: 'message', subtype: 'message_changed', hidden: true, channel: message.channel, ts: this.double.nextTs(), channel_type: 'channel',
      message: this.double.messageJson(message), previous_message: { ...this.double.messageJson(message), text: activity.previousText }, event_ts: this.double.nextTs(),
    };
  }

  private deliverEvent(event: Json): Promise<SignedResponse> {
    return this.deliver(String(event.subtype ?? event.type), {
      token: 'unused', team_id: this.double.team.id, api_app_id: this.double.bot.appId, event, type: 'event_callback',
      event_id: this.double.nextId('Ev'), event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.double.team.id, user_id: this.double.bot.userId, is_bot: true, is_enterprise_install: false }],
    });
  }

  private deliver(kind: string, body: Json | URLSearchParams, options: { timestamp?: number; signature?: string } = {}): Promise<SignedResponse> {
    const next = this.chain.then(async () => {
      const res = await signedSlackRequest(this.eventsUrl, this.signingSecret, body, options);
      this.deliveries.push({ kind, status: res.status, body: res.body });
      return res;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }
}
