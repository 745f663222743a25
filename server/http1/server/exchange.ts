/**
 * One request of a raw front-end connection while it is answered: the `ForwardRequest` the
 * forwarder reads (method, target, upstream head, body) and the connection's state for it (its
 * parsed head, keep-alive, whether it was forwarded, its request body and the client's fault). A
 * connection has one `Exchange` and `reset`s it for each request (one is answered at a time), so
 * the hot path allocates nothing per request here.
 */

import { copyBytes } from '../bytes.ts';
import { forwardedHead } from '../header-rules.ts';
import { headerFields, headerValue, type RequestHead } from '../request-head.ts';
import { splicedRequestHead } from '../spliced-head.ts';
import type { ForwardRequest } from './handler.ts';
import type { ClientFault, RequestBody } from './request-body.ts';

/** What an `Exchange` needs of its client connection. */
export interface ExchangeConnection {
  /** The client's address. */
  readonly ip: string;
  readonly closed: boolean;
  /** Writes bytes to the client (`copy`: they are a view of a buffer that will be reused). */
  send(data: Uint8Array, copy: boolean): boolean;
}

/** The request being answered on one connection. */
export class Exchange implements ForwardRequest {
  method = '';
  target = '';
  head = '';
  hasHost = false;
  rawHead: Uint8Array | undefined = undefined;
  rawRequest: Uint8Array | undefined = undefined;
  body: Uint8Array | ReadableStream<Uint8Array> | undefined = undefined;
  contentLength: number | undefined = undefined;
  /** An HTTP/1.1 client takes a chunked answer as the upstream framed it. */
  relayChunked = false;
  /** An answer's body is written on as it arrives (`writeForwarded`, `RawRelay`). */
  readonly relayRaw = true;
  /** The parsed head of the request being answered; null between requests. */
  h: RequestHead | null = null;
  /** The connection stays open after this answer (as far as the request goes). */
  keepAlive = false;
  /** Handed to the forwarder. */
  dispatched = false;
  /** The request body being read, if any. */
  reqBody: RequestBody | null = null;
  /** Why the request body failed (the client's fault), or null. */
  fault: ClientFault | null = null;
  /** The bytes `h` was parsed from while `forward` runs (a copy of the head for a body read later). */
  headBytes: Uint8Array | null = null;
  /** `withBody`'s spliced head with room for the body, until the body is in it. */
  private whole: Uint8Array | null = null;

  readonly clientIp: string;

  constructor(
    /** The client connection it belongs to: whether it closed, and where interim 1xx heads go. */
    private readonly conn: ExchangeConnection,
    /** X-Forwarded-* prefix of the connection (`forwardedPrefix`). */
    private readonly prefix: Uint8Array,
  ) {
    this.clientIp = conn.ip;
  }

  /** Interim 1xx answers go on to HTTP/1.1 clients only (RFC 9110 §15.2), before the final one. */
  onInformational(head: Uint8Array): void {
    if (this.h?.http11) this.conn.send(head, true);
  }

  /** Starts request `h` (parsed from `buf`); `keepAlive` unless the front end is stopping. */
  start(h: RequestHead, stopping: boolean): void {
    this.h = h;
    this.keepAlive = h.keepAlive && !stopping;
    this.method = h.method;
    this.target = h.target;
    this.hasHost = h.host >= 0 || h.authority !== '';
    this.relayChunked = h.http11;
    this.contentLength = undefined;
  }

  /** Upstream head of a bodiless request: the client's bytes spliced, else header lines. */
  bodiless(buf: Uint8Array, h: RequestHead): void {
    this.body = undefined;
    this.rawHead = splicedRequestHead(buf, h, this.clientIp, 'http', this.prefix) ?? undefined;
    this.head = this.rawHead ? '' : forwardedHead(headerFields(buf, h), this.clientIp, 'http');
    this.headBytes = buf; // valid during the synchronous `forward` call only
  }

  /**
   * Upstream head of a request with a body. A `Content-Length` body of up to `maxBuffered` bytes
   * gets a spliced head with room for the body after it (`bodyFrom`, `bodyRoom`: head and body then
   * go upstream as one buffer, `rawRequest`); otherwise header lines (the upstream client adds the
   * framing). `buf` stays `headBytes` while the caller's `onData` runs (`keepHead` copies it when
   * the body arrives later).
   */
  withBody(buf: Uint8Array, h: RequestHead, maxBuffered: number): void {
    this.headBytes = buf;
    const n = h.transferEncoding ? -1 : h.contentLength;
    this.whole =
      n > 0 && n <= maxBuffered ? splicedRequestHead(buf, h, this.clientIp, 'http', this.prefix, n) : null;
    this.rawHead = undefined;
    this.head = this.whole ? '' : forwardedHead(headerFields(buf, h), this.clientIp, 'http');
  }

  /**
   * The buffer whose last bytes take a body read later (`RequestBody`'s `into`; `bodyRead` then
   * takes it), or null (see `withBody`).
   */
  get bodyRoom(): Uint8Array | null {
    return this.whole;
  }

  /**
   * The whole body is `buf[from..to)`, here with its head: copied after the spliced head (then
   * `rawRequest`, with `body` unset), or alone (`body`).
   */
  bodyFrom(buf: Uint8Array, from: number, to: number): void {
    const w = this.whole;
    this.whole = null;
    if (!w) {
      this.body = buf.slice(from, to);
      return;
    }
    copyBytes(buf, from, to, w, w.byteLength - (to - from));
    this.rawRequest = w;
  }

  /**
   * The buffered body is whole: `bytes`, or, when it was read into `bodyRoom`, the end of that
   * buffer: head and body are then one buffer, sent upstream as it is (`rawRequest`).
   */
  bodyRead(bytes: Uint8Array | undefined): void {
    if (this.whole) this.rawRequest = this.whole;
    else this.body = bytes;
    this.whole = null;
  }

  /** Keeps a copy of the head for `header` once the body is complete (the received bytes go away). */
  keepHead(): void {
    if (this.h && this.headBytes) this.headBytes = this.headBytes.slice(0, this.h.bodyStart);
  }

  /** Clears the per-request state once the answer is over. */
  reset(): void {
    this.h = null;
    this.dispatched = false;
    this.reqBody = null;
    this.headBytes = null;
    this.rawHead = undefined;
    this.rawRequest = undefined;
    this.whole = null;
    this.body = undefined;
    this.contentLength = undefined;
  }

  /** A request header by lower-case name (while `forward` runs, or once the head was kept). */
  header(name: string): string | undefined {
    return this.h && this.headBytes ? headerValue(this.headBytes, this.h, name) : undefined;
  }

  aborted(): boolean {
    return this.conn.closed;
  }

  clientFault(): ClientFault | null {
    return this.fault;
  }

  bodyPending(): boolean {
    return this.reqBody !== null && !this.reqBody.done;
  }
}
