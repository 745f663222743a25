/**
 * One request/response exchange on an upstream connection, read as the bytes arrive. Every head —
 * interim 1xx (handed to `onInformational`), final — passes the strict `scanResponseHead`; a clean
 * answer goes to the caller as its own bytes (`raw`, see `pass-through.ts`): whole when it is all
 * in the buffer, else, for a caller that relays bodies, as far as it came, the rest through this
 * exchange as a `RawRelay`. Any other body is bytes when it came with the head, else a
 * `ReadableStream` fed as bytes arrive, with socket back-pressure (as is a relay). Whatever breaks
 * the framing — before the answer, a `bad-response` error (the proxy's 502); after it, an error on
 * the body stream or relay (the client connection is cut) — ends the exchange and destroys the
 * connection. The exchange decides nothing about reuse: it tells its host `finish(ok)` (see
 * `client.ts`). Exchanges without streams or relays are recycled (`reset`).
 */
import { ChunkedDecoder } from '../chunked.ts';
import type { Linked } from '../intrusive-list.ts';
import {
  BadResponse,
  bodyFraming,
  MAX_RESPONSE_HEAD_BYTES,
  newResponseScan,
  type ResponseHead,
  type ResponseScan,
  scanResponseHead,
} from '../response-head.ts';
import { parseResponseHead } from '../response-text.ts';
import { BodyStream } from './body-stream.ts';
import type { Conn } from './connection.ts';
import type { Deadlines, Timed } from './deadlines.ts';
import { passThrough } from './pass-through.ts';
import type { OriginPool } from './pool.ts';
import { concat } from './request.ts';
import { answer, cut, joinAll, NO_REQUEST } from './response.ts';
import {
  type RawRelay,
  type RelaySink,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from './types.ts';

/** What an exchange needs from its client. */
export interface ExchangeHost {
  readonly deadlines: Deadlines<Exchange>;
  /** Ends `ex` (`onDone`); `ok`: the exchange was complete and valid, the connection may be reused. */
  finish(ex: Exchange, ok: boolean): void;
  /** Ends `ex` with `err`: told to the caller before the answer, or to the body stream after it. */
  fail(ex: Exchange, err: unknown): void;
  /** Tells the caller the outcome once. */
  tell(ex: Exchange, err: unknown, res: UpstreamResponse | null): void;
  /** Takes a finished exchange back for reuse. */
  recycle(ex: Exchange): void;
  onCallbackError(err: unknown): void;
}

/** Scan result reused by every exchange (one data event at a time). */
const scratch: ResponseScan = newResponseScan();

/** One request/response exchange (see the module comment); recycled through `reset`. */
export class Exchange implements Timed, RawRelay {
  deadline = 0;
  listed = false;
  listPrev: Linked | null = null;
  listNext: Linked | null = null;
  req: UpstreamRequest = NO_REQUEST;
  pool: OriginPool<Conn, Exchange> | null = null;
  /** The connection carrying it; null while connecting or queued for a free one. */
  conn: Conn | null = null;
  /** `req.onAnswer` was called (it is called once). */
  answered = false;
  /** `req.onDone` was called: the exchange is over. */
  finished = false;
  /** The whole request was written (its body too). */
  written = false;
  /** Reader of a stream request body still being sent. */
  bodyReader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** A stream (request pump or response body) holds it: never recycled. */
  streamed = false;
  /** The final response head was read. */
  headSeen = false;
  /** Bytes of the response head(s) seen so far, interim ones included (against the 64 KiB limit). */
  headBytes = 0;
  keepAlive = true;
  /** Some response byte arrived (a reused connection closing before any is the keep-alive race). */
  gotBytes = false;
  /** The response body stream, when there is one. */
  readonly body = new BodyStream();

  constructor(readonly host: ExchangeHost) {}

  /** Makes it a new exchange of `req` to `pool` (fresh or recycled). */
  reset(req: UpstreamRequest, pool: OriginPool<Conn, Exchange> | null): this {
    this.req = req;
    this.pool = pool;
    this.conn = null;
    this.answered = false;
    this.finished = false;
    this.written = false;
    this.bodyReader = null;
    this.streamed = false;
    this.headSeen = false;
    this.headBytes = 0;
    this.keepAlive = true;
    this.gotBytes = false;
    this.body.reset();
    return this;
  }

  /** The request is all written: the try's deadline starts (unless the answer is in already). */
  requestSent(): void {
    this.written = true;
    this.bodyReader = null;
    if (!this.headSeen && !this.finished) this.host.deadlines.watch(this, this.req.timeoutMs);
  }

  /** The request body stream failed: the client's fault, never the server's. */
  requestFailed(err: unknown): void {
    this.bodyReader = null;
    this.host.fail(this, new UpstreamError('client-aborted', `request body failed: ${String(err)}`));
  }

  /** The pump waits for the client's body: no deadline meanwhile. */
  waitingForClient(): void {
    this.streamed = true;
    this.host.deadlines.unwatch(this);
  }

  /** The pump waits for the upstream to take bytes: the deadline runs. */
  waitingForUpstream(): void {
    if (!this.headSeen) this.host.deadlines.watch(this, this.req.timeoutMs);
  }

  /** Response bytes on `c`. */
  onData(c: Conn, data: Uint8Array): void {
    this.gotBytes = true;
    if (this.headSeen) {
      this.bodyData(c, data);
      return;
    }
    const prev = c.buf;
    let buf = prev ? concat(prev, data) : data;
    let from = prev ? Math.max(0, prev.byteLength - 3) : 0;
    let scan: ResponseScan | null = null;
    for (;;) {
      try {
        scan = scanResponseHead(buf, scratch, from);
        if (!scan) {
          if (this.headBytes + buf.byteLength > MAX_RESPONSE_HEAD_BYTES)
            throw new BadResponse('response heads over 64 KiB');
          c.buf = buf.buffer === data.buffer ? buf.slice() : buf;
          return;
        }
        this.headBytes += scan.bodyStart;
        if (this.headBytes > MAX_RESPONSE_HEAD_BYTES) throw new BadResponse('response heads over 64 KiB');
        if (scan.status === 101) throw new BadResponse('unsolicited 101 Switching Protocols');
      } catch (err) {
        c.buf = null;
        this.bad(err);
        return;
      }
      if (scan.status >= 200) break;
      this.informational(buf.subarray(0, scan.bodyStart));
      if (this.finished) return;
      buf = buf.subarray(scan.bodyStart);
      from = 0;
      if (buf.byteLength === 0) {
        c.buf = null;
        return;
      }
    }
    c.buf = null;
    this.finalHead(c, buf, scan as ResponseScan);
  }

  /** An interim 1xx head (validated), handed to the caller less its hop-by-hop lines. */
  private informational(head: Uint8Array): void {
    const cb = this.req.onInformational;
    if (!cb) return;
    try {
      cb.call(this.req, scratch.drop.length > 0 ? cut(head, head.byteLength, scratch.drop) : head);
    } catch (err) {
      this.host.onCallbackError(err);
    }
  }

  /** The final head is in `buf` (`scan`): raw answer, bytes or a stream. */
  private finalHead(c: Conn, buf: Uint8Array, scan: ResponseScan): void {
    this.headSeen = true;
    this.host.deadlines.unwatch(this);
    this.keepAlive = scan.keepAlive;
    const framing = bodyFraming(scan, this.req.method);
    this.body.framing = framing;
    if (framing === 'close') this.keepAlive = false;
    if (scan.clean && passThrough(this, buf, scan, framing)) return;
    const head = parseResponseHead(buf) as ResponseHead; // scanned complete and valid above
    const rest = buf.subarray(head.bodyStart);
    if (framing === 'none') {
      this.host.finish(this, rest.byteLength === 0);
      this.host.tell(this, null, answer(head, null));
      return;
    }
    if (framing === 'length' && rest.byteLength >= head.contentLength) {
      const body = rest.slice(0, head.contentLength);
      this.host.finish(this, rest.byteLength === head.contentLength);
      this.host.tell(this, null, answer(head, body));
      return;
    }
    let first: Uint8Array[] = [];
    if (framing === 'chunked') {
      const decoder = new ChunkedDecoder();
      this.body.decoder = decoder;
      let end: number;
      try {
        end = decoder.push(rest, (p) => first.push(p.slice()));
      } catch (err) {
        this.bad(err);
        return;
      }
      if (end >= 0) {
        this.host.finish(this, end === rest.byteLength);
        this.host.tell(this, null, answer(head, joinAll(first)));
        return;
      }
      if (this.req.relayChunked === true) {
        // Relayed framed: the body stream carries the chunked bytes as received (framing checked).
        this.body.framed = true;
        first = rest.byteLength > 0 ? [rest.slice()] : [];
      }
    } else {
      this.body.remaining = head.contentLength - rest.byteLength;
      if (rest.byteLength > 0) first.push(rest.slice());
    }
    const res = answer(head, this.stream(c, first));
    if (this.body.framed) res.framed = true;
    else if (framing === 'length') res.contentLength = head.contentLength;
    this.host.tell(this, null, res);
  }

  /** `RawRelay`: the rest of the body goes to `sink`. */
  attach(sink: RelaySink): void {
    this.body.sink = sink;
  }

  /** `RawRelay`: the sink takes bytes again. */
  resume(): void {
    this.body.held = false;
    if (this.conn?.ex === this) this.conn.resume();
  }

  /** `RawRelay`: the caller is gone; only this exchange ends (its connection may carry another by now). */
  cancel(): void {
    this.body.sink = null;
    if (!this.finished && this.conn?.ex === this) this.host.finish(this, false);
  }

  /** Body bytes after the head. */
  private bodyData(c: Conn, data: Uint8Array): void {
    let end: number;
    try {
      end = this.body.push(data);
    } catch (err) {
      this.bad(err);
      return;
    }
    if (end >= 0) {
      // The connection goes back first: a relay's end may start the client's next request.
      this.host.finish(this, end === data.byteLength);
      this.body.close();
    } else if (this.body.full) c.pause();
  }

  /** Errors the body stream (after the answer was given). */
  errorStream(err: unknown): void {
    this.body.error(err);
  }

  /** A malformed or ambiguous answer: `bad-response` before the answer, a stream error after it. */
  bad(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    const origin = this.pool?.origin ?? '';
    this.host.fail(this, new UpstreamError('bad-response', `bad response from ${origin}: ${msg}`));
  }

  private stream(c: Conn, first: Uint8Array[]): ReadableStream<Uint8Array> {
    this.streamed = true;
    return this.body.open(
      first,
      () => {
        if (c.ex === this) c.resume();
      },
      () => {
        // Only this exchange: the connection may carry another one by now.
        if (!this.finished && c.ex === this) this.host.finish(this, false);
      },
    );
  }
}
