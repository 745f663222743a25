/**
 * The response body of one exchange, fed as bytes arrive: framed by `Content-Length`, chunked
 * (decoded, or — `framed` — the chunk-framed bytes as received, their framing checked) or until
 * close. It goes to a `ReadableStream`, each piece copied once out of the socket's receive buffer,
 * or — relayed — straight to the caller's `RelaySink` by offset into that buffer, nothing copied. It
 * says when the body is complete and when the reader is behind (`full`: pause the socket); the
 * exchange decides what that means for the connection.
 */
import { ChunkedDecoder } from '../chunked.ts';
import type { BodyFraming } from '../response-head.ts';
import type { RelaySink } from './types.ts';

/** The response body stream of one exchange (see the module comment); reused through `reset`. */
export class BodyStream {
  framing: BodyFraming = 'none';
  /** Bytes still due (`length` framing). */
  remaining = 0;
  /** The stream carries chunk-framed bytes as received. */
  framed = false;
  decoder: ChunkedDecoder | null = null;
  /** Where a relayed body goes (`RawRelay.attach`), instead of a stream. */
  sink: RelaySink | null = null;
  /** The sink asked for no more bytes until it is resumed. */
  held = false;
  private ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
  private readonly enqueueCopy = (p: Uint8Array) => this.ctrl?.enqueue(p.slice());

  /** Back to no body, for reuse. */
  reset(): void {
    this.framing = 'none';
    this.remaining = 0;
    this.framed = false;
    this.decoder = null;
    this.sink = null;
    this.held = false;
    this.ctrl = null;
  }

  /** The stream, starting with `first` (owned copies); `pull` and `cancel` come from its reader. */
  open(first: Uint8Array[], pull: () => void, cancel: () => void): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (ctrl) => {
          this.ctrl = ctrl;
          for (const p of first) ctrl.enqueue(p);
        },
        pull,
        cancel,
      },
      { highWaterMark: 4 },
    );
  }

  /**
   * Feeds body bytes (a view of the receive buffer). Returns the offset in `data` just past the
   * body once it is complete, or -1 when more is due.
   * @throws BadChunkedBody on a malformed chunked body.
   */
  push(data: Uint8Array): number {
    if (this.sink !== null) return this.relay(this.sink, data);
    const ctrl = this.ctrl;
    if (!ctrl) return -1;
    if (this.framing === 'length') {
      const take = Math.min(this.remaining, data.byteLength);
      ctrl.enqueue(data.slice(0, take));
      this.remaining -= take;
      return this.remaining === 0 ? take : -1;
    }
    if (this.framing === 'chunked') {
      const decoder = this.decoder as ChunkedDecoder;
      if (!this.framed) return decoder.push(data, this.enqueueCopy);
      const end = decoder.push(data);
      ctrl.enqueue(data.slice(0, end < 0 ? data.byteLength : end));
      return end;
    }
    ctrl.enqueue(data.slice());
    return -1;
  }

  /** `push` to the sink: the body's part of `data` (length or chunk framing) goes on by offset. */
  private relay(sink: RelaySink, data: Uint8Array): number {
    let end: number;
    let to: number;
    if (this.framing === 'length') {
      to = Math.min(this.remaining, data.byteLength);
      this.remaining -= to;
      end = this.remaining === 0 ? to : -1;
    } else {
      end = (this.decoder as ChunkedDecoder).push(data); // relayed chunked bodies keep their framing
      to = end < 0 ? data.byteLength : end;
    }
    if (to > 0) this.held = !sink.relayData(data, 0, to);
    return end;
  }

  /** The reader (or sink) is behind: stop reading the socket until it pulls (or resumes). */
  get full(): boolean {
    if (this.sink !== null) return this.held;
    return (this.ctrl?.desiredSize ?? 1) <= 0;
  }

  /** Ends the body normally. */
  close(): void {
    const sink = this.sink;
    if (sink !== null) {
      this.sink = null;
      sink.relayEnd(true);
      return;
    }
    try {
      this.ctrl?.close();
    } catch {}
  }

  /** Ends the body with `err` (the reader's next read rejects; a sink is told it broke). */
  error(err: unknown): void {
    const sink = this.sink;
    if (sink !== null) {
      this.sink = null;
      sink.relayEnd(false);
      return;
    }
    try {
      this.ctrl?.error(err);
    } catch {}
  }
}
