// A server-sent-events client for tests (what the console's EventSource does), and helpers that
// turn the HTML fragments it receives into what a reader sees.

export type EventHandler = (type: string, data: Record<string, unknown>) => void;

export class EventStreamClient {
  private handlers: EventHandler[] = [];
  private readonly controller = new AbortController();
  readonly received: { type: string; data: Record<string, unknown> }[] = [];

  private constructor() {}

  static async connect(url: string, headers: Record<string, string> = {}): Promise<EventStreamClient> {
    const client = new EventStreamClient();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: client.controller.signal });
    if (res.status !== 200 || !res.body) throw new Error(`event stream ${url} answered ${res.status}`);
    void client.pump(res.body);
    return client;
  }

  onEvent(handler: EventHandler): void {
    this.handlers.push(handler);
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.dispatch(frame);
        }
      }
    } catch {
      // aborted by close()
    }
  }

  private dispatch(frame: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    const parsed = JSON.parse(data.join('\n')) as Record<string, unknown>;
    this.received.push({ type, data: parsed });
    for (const h of this.handlers) h(type, parsed);
  }
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`', '&amp;': '&' };

export function decodeEntities(text: string): string {
  return text.replace(/&(?:lt|gt|quot|amp|#39|#96);/g, (e) => ENTITIES[e]!);
}

/** The text a reader sees in a fragment: tags dropped (forms' hidden fields too), entities decoded. */
export function htmlToReadable(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim());
}

export function filesInHtml(html: string): string[] {
  const list = /<ul class="files"[^>]*>([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<a [^>]*>([^<]*)<\/a>/g)].map((m) => decodeEntities(m[1]!));
}
