// Slack adapter: construct with `new SlackAdapter({ botToken, signingSecret, … })`, hand it to the
// core like any ChatAdapter, and route `POST /slack/events` to `handleSlackHttp` (see receiver.ts).
import type { SlackAdapter } from './adapter.js';
import type { SlackHttpRequest, SlackHttpResponse } from './receiver.js';

export { SlackAdapter, type SlackAdapterOptions } from './adapter.js';
export { type DoctorFinding, REQUIRED_SCOPES } from './doctor.js';
export { slackReactionToUnicode, unicodeToSlackReaction } from './emoji.js';
export { CARD_BUTTONS, escapeMrkdwn, markdownToMrkdwn, renderCard, renderMessage, slackTextToMarkdown } from './format.js';
export { parseCommand } from './inbound.js';
export type { LogSink } from '../log-sink.js';
export { MODAL_CALLBACK_ID, SHORTCUT_CALLBACK_ID } from './modal.js';
export { RateQueue, SlackApiError, type RateQueueOptions } from './rate-queue.js';
export { MAX_REQUEST_AGE_SEC, verifySlackSignature, type SlackHttpRequest, type SlackHttpResponse } from './receiver.js';

/** What the HTTP layer calls for `POST /slack/events`: raw body bytes and headers in, response out. */
export function handleSlackHttp(adapter: SlackAdapter, request: SlackHttpRequest): Promise<SlackHttpResponse> {
  return adapter.handleHttp(request);
}
