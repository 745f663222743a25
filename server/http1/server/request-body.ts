/**
 * A client request body as the raw front end reads it off the connection: framed by
 * `Content-Length` or chunked (RFC 9112 §6.3, §7.1; the chunked framing is decoded here and the
 * upstream client frames the body again). Up to the retry buffer (`maxRetryBodyBytes`) the payload
 * is buffered, so a failed try can be replayed on another server; past it the body becomes a
 * `ReadableStream` (sent once, not retried) fed as bytes arrive, with back-pressure: the connection
 * stops reading while the stream's queue is full. One `RequestBody` per request; it never keeps a
 * view of a receive buffer (payload is copied, a buffered `Content-Length` body straight into the
 * room after its upstream head).
 */

import { copyBytes } from '../bytes.ts';
import { ChunkedDecoder } from '../chunked.ts';
import { headerFields, headerValue, type RequestHead } from '../request-head.ts';

/** Why a request body failed: the client's fault, answered with `status` (never a server failure). */
export interface ClientFault {
  status: 400 | 408 | 413 | 499;
  error: string;
  message: string;
}

/** Chunks a streamed request body may queue before the connection stops reading. */
const STREAM_HIGH_WATER = 8;

/** One request body being read. */
export class RequestBody {
  /** Payload bytes received so far. */
  received = 0;
  /** The whole body was read (framing included). */
  done = false;
  /** Ended by `fail` before it was whole. */
  failed = false;
  /** Set once the body streams (larger than the retry buffer); null while buffered. */
  stream: ReadableStream<Uint8Array> | null = null;
  private ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
  private parts: Uint8Array[] = [];
  private remaining: number;
  private readonly chunked: ChunkedDecoder | null;
  /** Where the body starts in `into`. */
  private readonly intoAt: number;
  private readonly onPart = (p: Uint8Array) => this.take(p.slice());

  /**
   * @param length the `Content-Length`, or -1 for a chunked body
   * @param maxBuffered bytes buffered before the body streams (the retry buffer)
   * @param onPull the stream's reader wants more (resume reading the connection)
   * @param into a buffer whose last `length` bytes take a buffered `Content-Length` body, else
   *   null; `bytes()` is then undefined (the body is in `into`)
   */
  constructor(
    length: number,
    private readonly maxBuffered: number,
    private readonly onPull: () => void,
    private readonly into: Uint8Array | null = null,
  ) {
    this.intoAt = into ? into.byteLength - length : 0;
    this.remaining = length;
    this.chunked = length < 0 ? new ChunkedDecoder() : null;
    if (length > maxBuffered) this.startStream();
  }

  /**
   * Feeds received bytes; returns how many belong to the body (the rest is the next request).
   * @throws Error on a malformed chunked body.
   */
  push(data: Uint8Array): number {
    if (this.done || this.failed) return 0;
    let used: number;
    if (this.chunked) {
      const end = this.chunked.push(data, this.onPart);
      used = end < 0 ? data.byteLength : end;
      if (end >= 0) this.done = true;
    } else {
      used = Math.min(this.remaining, data.byteLength);
      if (used > 0 && this.into) {
        copyBytes(data, 0, used, this.into, this.intoAt + this.received);
        this.received += used;
      } else if (used > 0) this.take(data.slice(0, used));
      this.remaining -= used;
      if (this.remaining === 0) this.done = true;
    }
    if (!this.stream && this.received > this.maxBuffered) this.startStream();
    if (this.done) this.close();
    return used;
  }

  /** The buffered body (undefined when empty or read `into` the caller's buffer); only while not streaming. */
  bytes(): Uint8Array | undefined {
    const p = this.parts;
    if (this.received === 0 || this.into) return undefined;
    if (p.length === 1) return p[0];
    const out = new Uint8Array(this.received);
    let at = 0;
    for (const c of p) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }

  /** True while a streamed body's queue is full (stop reading the connection). */
  get full(): boolean {
    return this.ctrl !== null && (this.ctrl.desiredSize ?? 1) <= 0;
  }

  /** Ends a streamed body with `err` (the client stalled, hung up or sent bad framing). */
  fail(err: Error): void {
    const c = this.ctrl;
    this.ctrl = null;
    this.failed = true;
    try {
      c?.error(err);
    } catch {}
  }

  /** Takes a piece of payload, `copy` (the caller's own copy, not a view of received bytes). */
  private take(copy: Uint8Array): void {
    this.received += copy.byteLength;
    if (this.ctrl) this.ctrl.enqueue(copy);
    else this.parts.push(copy);
  }

  private close(): void {
    const c = this.ctrl;
    this.ctrl = null;
    try {
      c?.close();
    } catch {}
  }

  private startStream(): void {
    const first = this.parts;
    this.parts = [];
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (ctrl) => {
          this.ctrl = ctrl;
          for (const p of first) ctrl.enqueue(p);
        },
        pull: () => this.onPull(),
        cancel: () => {
          this.ctrl = null;
        },
      },
      { highWaterMark: STREAM_HIGH_WATER },
    );
  }
}

/**
 * Why a request's body framing is refused (RFC 9112 §6.1, §6.3), or null: Transfer-Encoding with
 * Content-Length, a last coding other than `chunked`, or Transfer-Encoding in HTTP/1.0 (HAProxy
 * answers all three 400); an `Expect` other than `100-continue` gets 417 (RFC 9110 §10.1.1).
 */
export function bodyProblem(
  buf: Uint8Array,
  h: RequestHead,
): ClientFault | { status: 417; error: string; message: string } | null {
  if (h.transferEncoding) {
    const bad = (message: string) => ({ status: 400 as const, error: 'bad_request', message });
    if (h.contentLength >= 0) return bad('both Transfer-Encoding and Content-Length');
    if (!h.http11) return bad('Transfer-Encoding in an HTTP/1.0 request');
    const codings = headerFields(buf, h)
      .filter(([k]) => k === 'transfer-encoding')
      .map(([, v]) => v)
      .join(',')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    if (codings[codings.length - 1] !== 'chunked') return bad('the last transfer coding is not chunked');
  }
  if (h.special) {
    const expect = headerValue(buf, h, 'expect');
    if (expect !== undefined && expect.toLowerCase() !== '100-continue')
      return { status: 417, error: 'expectation_failed', message: `unsupported Expect: ${expect}` };
  }
  return null;
}
