// How a mirrored message says what it is and where it came from: the same words on every chat
// platform (the web console has its own, translated). Slack writes its icons as shortcodes.
import type { OutboundMessage, Platform } from './chat-port.js';

export type MessageKind = OutboundMessage['kind'];

export const KIND_LABELS: Record<MessageKind, { icon: string; label: string }> = {
  customer: { icon: '📨', label: 'customer' },
  reply: { icon: '📤', label: 'reply, sent to the customer' },
  note: { icon: '🔒', label: 'internal note' },
  event: { icon: 'ℹ️', label: 'event' },
};

export const ORIGIN_LABELS: Record<Platform | 'mail' | 'cli' | 'api', string> = {
  slack: 'Slack', discord: 'Discord', matrix: 'Matrix', web: 'web console', mail: 'email', cli: 'CLI', api: 'API',
};

/** ", via email" — or nothing when the origin is unknown. */
export function viaOrigin(origin: OutboundMessage['origin']): string {
  return origin ? `, via ${ORIGIN_LABELS[origin]}` : '';
}
