/**
 * The response body of one exchange as a `ReadableStream`, fed as bytes arrive: framed by
 * `Content-Length`, chunked (decoded, or — `framed` — the chunk-framed bytes as received, their
 * framing checked) or until close. Each piece is copied once out of the socket's receive buffer.
 * It says when the body is complete and when the reader is behind (`full`: pause the socket);
 * the exchange decides what that means for the connection.
 */
import { ChunkedDecoder } from '../chunked.ts';
import type { BodyFraming } from '../response-head.ts';

/** The response body stream of one exchange (see the module comment); reused through `reset`. */
export class BodyStream {
  framing: BodyFraming = 'none';
  /** Bytes still due (`length` framing). */
  remaining = 0;
  /** The stream carries chunk-framed bytes as received. */
  framed = false;
  decoder: ChunkedDecoder | null = null;
  private ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
  private readonly enqueueCopy = (p: Uint8Array) => this.ctrl?.enqueue(p.slice());

  /** Back to no body, for reuse. */
  reset(): void {
    this.framing = 'none';
    this.remaining = 0;
    this.framed = false;
    this.decoder = null;
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

  /** The reader is behind: stop reading the socket until it pulls. */
  get full(): boolean {
    return (this.ctrl?.desiredSize ?? 1) <= 0;
  }

  /** Ends the stream normally. */
  close(): void {
    try {
      this.ctrl?.close();
    } catch {}
  }

  /** Ends the stream with `err` (the reader's next read rejects). */
  error(err: unknown): void {
    try {
      this.ctrl?.error(err);
    } catch {}
  }
}
