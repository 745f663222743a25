/**
 * Server-sent events read with `fetch`, so the request can carry headers (the upstream pin), which
 * `EventSource` cannot. `SseParser` splits the `text/event-stream` format (WHATWG HTML §9.2:
 * `event:` and `data:` fields, multi-line data joined with `\n`, comments, CR/LF/CRLF line ends)
 * into events; `openEventStream` reads a URL with it and reconnects after `retryMs` when the stream
 * ends or fails, as EventSource does.
 */

/** One dispatched event: `event` defaults to `message`. */
export interface StreamEvent {
  event: string;
  data: string;
}

/** Incremental parser of a `text/event-stream` body. */
export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];

  /** Feeds a decoded chunk; returns the events it completed, in order. */
  push(chunk: string): StreamEvent[] {
    this.buf += chunk;
    const out: StreamEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (!m || (m[0] === '\r' && m.index === this.buf.length - 1)) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
    return out;
  }
}

/** Callbacks of `openEventStream`. */
export interface StreamHandlers {
  onEvent(e: StreamEvent): void;
  /** The stream failed or ended; it reconnects after `retryMs`. */
  onError(): void;
}

/** Reads `url` with `headers` until `signal` aborts, reconnecting after `retryMs` (default 2 s). */
export function openEventStream(
  url: string,
  headers: Record<string, string>,
  h: StreamHandlers,
  signal: AbortSignal,
  retryMs = 2_000,
): void {
  const run = async () => {
    while (!signal.aborted) {
      try {
        const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal });
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of parser.push(value)) h.onEvent(e);
        }
      } catch {
        // reported below, then retried
      }
      if (signal.aborted) return;
      h.onError();
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
}
