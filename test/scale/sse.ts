/** One Server-Sent Event as a browser's EventSource would see it. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * A browser-events client over a real HTTP connection: collects every event of `url` until
 * `close()` or the server ends the stream. Used to check that events reach an instance other
 * than the one where they happened.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  private readonly abort = new AbortController();
  /** Resolves when the stream ended (by the server, an error, or `close()`); see `error`. */
  readonly done: Promise<void>;
  ended = false;
  error: Error | undefined;

  constructor(url: string, headers: Record<string, string>) {
    this.done = this.read(url, headers)
      .catch((err: unknown) => {
        this.error = err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => (this.ended = true));
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    let res: Response;
    try {
      res = await fetch(url, { headers: { ...headers, accept: 'text/event-stream' }, signal: this.abort.signal });
    } catch (err) {
      if (this.abort.signal.aborted) return;
      throw err;
    }
    if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status} ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (err) {
      if (!this.abort.signal.aborted) throw err;
    }
  }

  private parse(block: string): void {
    const e: SseEvent = { event: 'message', data: '' };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') e.event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') e.id = value;
    }
    if (data.length === 0 && e.event === 'message') return;
    e.data = data.join('\n');
    this.events.push(e);
  }

  of(event: string): unknown[] {
    return this.events.filter((e) => e.event === event).map((e) => JSON.parse(e.data) as unknown);
  }

  close(): void {
    this.abort.abort();
  }
}
