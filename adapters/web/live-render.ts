// Live events as each viewer's page needs them: HTML fragments rendered by the same functions
// as the page, in the viewer's language and with their CSRF token in the forms.
import { renderCard, renderMessage, renderNotice, threadBase, type Viewer } from './format.js';
import type { LiveEvent } from './live-hub.js';

/** Where the console serves a file of a live message (resolved through the message's web id). */
export const liveFileHref = (channelId: string, messageId: string, name: string): string =>
  `/console/files/${encodeURIComponent(channelId)}/${encodeURIComponent(messageId)}/${encodeURIComponent(name)}`;

export function renderLiveEvent(event: LiveEvent, viewer: Viewer): Record<string, unknown> {
  switch (event.type) {
    case 'thread':
    case 'card':
      return {
        channelId: event.channelId,
        threadId: event.threadId,
        number: event.card.number,
        html: renderCard(event.card, event, viewer).value,
      };
    case 'post':
    case 'edit': {
      const m = event.message;
      const mine = m.authorUserId !== undefined && m.authorUserId === viewer.userId;
      const rendered = renderMessage(
        {
          id: event.id,
          kind: m.kind,
          authorName: m.authorName,
          text: m.text,
          origin: m.origin,
          at: m.at,
          files: m.files.map((f) => ({ name: f.name, size: f.size, href: liveFileHref(event.channelId, event.id, f.name) })),
          pendingUntil: m.pendingUntil,
          actionsBase: mine ? `${threadBase(event.channelId, event.threadId)}/messages/${encodeURIComponent(event.id)}` : undefined,
        },
        viewer,
      );
      return { channelId: event.channelId, threadId: event.threadId, id: event.id, bodyOnly: event.bodyOnly ?? false, html: rendered.value };
    }
    case 'remove':
      return { channelId: event.channelId, threadId: event.threadId, id: event.id };
    case 'notice':
      return { channelId: event.channelId, threadId: event.threadId ?? null, ok: event.ok, text: event.text, html: renderNotice(event.text, event.ok).value };
  }
}
