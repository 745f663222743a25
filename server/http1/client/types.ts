/**
 * The contract of the upstream HTTP/1.1 client: what a caller sends (`UpstreamRequest`), what comes
 * back (`UpstreamResponse`), the errors before a response (`UpstreamError`) and the client's own
 * surface and options. Shared by the raw-socket client (`client.ts`), its wrappers (the gateway's
 * zone client) and the test fakes, so it holds only types and the error class.
 */

/** A request to send upstream. */
export interface UpstreamRequest {
  method: string;
  /** Path and query, e.g. `/work?ms=1`. */
  target: string;
  /**
   * Header lines (`name: value\r\n`…) except framing ones. Without a `host` line (`hasHost` false)
   * the client adds the upstream's `host:port`.
   */
  head: string;
  /** `head` carries the client's `Host` (passed through, as HAProxy and Envoy do by default). */
  hasHost?: boolean;
  /**
   * The whole request head (request line to blank line) as bytes, sent as it is instead of
   * `method`/`target`/`head`. With a body it must carry the body's framing line itself
   * (`content-length`, or `transfer-encoding: chunked` for a stream without `contentLength`). The
   * client keeps no copy of it.
   */
  rawHead?: Uint8Array;
  /**
   * The whole request, head and buffered body, in one buffer (the raw front end builds it so for a
   * buffered `Content-Length` body): written as it is, in one write; `rawHead` and `body` are then
   * unset (the body is the bytes after the head's blank line: no view of it is made on the hot
   * path, see `http1/bytes.ts`). The client keeps no copy of it.
   */
  rawRequest?: Uint8Array;
  /**
   * Buffered body (replayable), a stream (sent once) or none. A stream is the client's pace: the
   * upstream client reads it as the socket drains and, as for every body, starts the try's
   * deadline only once its last byte is written. When the stream errors (the client went away or
   * the front end's client-body timeout cancelled it) the try ends with `UpstreamError`
   * `client-aborted`, never a server failure. When the upstream answers before the body is all
   * sent, the stream is cancelled and the connection is not reused.
   */
  body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  /**
   * Length in bytes of a stream `body`, when known: it is sent with `content-length` (its bytes as
   * they come) instead of chunked. A stream that ends short or runs long fails as `client-aborted`.
   */
  contentLength?: number;
  /**
   * ms the upstream has to send the response head, counted from the moment the whole request
   * (head and body) has been written — connecting counts too; waiting for a slow request body
   * does not (issue 10, defect 1).
   */
  timeoutMs: number;
  /**
   * Called exactly once with the outcome: `(null, response)` once the final response head is in,
   * or `(error, null)` — an `UpstreamError` — before it. May run synchronously from socket I/O.
   */
  onAnswer(err: unknown, res: UpstreamResponse | null): void;
  /**
   * Called for each interim (1xx) response before the final one, except 101 (an unsolicited 101 is
   * a bad response): `head` is the raw, already validated head bytes, valid only during the call.
   * HTTP/1.0 clients must not be sent these (RFC 9110 §15.2); that is the caller's check.
   */
  onInformational?(head: Uint8Array): void;
  /** Called once when the exchange is over: body fully received, failed or cancelled. */
  onDone(): void;
  /**
   * The caller relays a chunked body as it came (its client speaks HTTP/1.1): a clean chunked
   * answer complete in one read then comes `raw` (chunk framing validated, `Transfer-Encoding`
   * kept), and one that streams has `framed` set, its body stream carrying the chunk-framed bytes
   * as received — size lines, data, last chunk and trailers — so they are written on without
   * decoding and re-framing (one copy instead of two). Without it, chunked bodies are decoded.
   */
  relayChunked?: boolean;
  /**
   * The caller relays a clean answer's body as it arrives (`UpstreamResponse.relay`) instead of
   * taking a `ReadableStream`: an answer not complete in its first read then comes `raw` as far as
   * it came, and its later body bytes go to the `RelaySink` the caller attaches during `onAnswer`.
   */
  relayRaw?: boolean;
}

/**
 * The rest of a relayed raw answer (`UpstreamResponse.relay`): the caller attaches its sink during
 * the `onAnswer` callback (one not attached then is cancelled when the callback returns), and the
 * exchange hands it each later piece of the body, its framing checked, as it arrives.
 */
export interface RawRelay {
  /** Sets where the body bytes that follow `raw` go; once, during `onAnswer`. */
  attach(sink: RelaySink): void;
  /** The sink takes bytes again (it returned false): reading the upstream resumes. */
  resume(): void;
  /** The caller is gone: the exchange ends and its upstream connection is destroyed. */
  cancel(): void;
}

/** Where a relayed answer's body goes (the client connection of the raw front end). */
export interface RelaySink {
  /**
   * Body bytes `data[from..to)`, `data` being the receive buffer: valid only during the call (a
   * rest the sink cannot write at once it copies). False asks for no more until `RawRelay.resume`.
   */
  relayData(data: Uint8Array, from: number, to: number): boolean;
  /** The body is complete (`ok`), or broke mid-way (`!ok`: the client's connection must be cut). */
  relayEnd(ok: boolean): void;
}

/**
 * An upstream response; `body` is bytes when it was complete with the head. When `raw` is set, the
 * response was clean (see `scanResponseHead`) and complete, unless `relay` is set: `raw` holds it
 * exactly as received —
 * head (less hop-by-hop lines) and body, framed by `Content-Length` or, only when the request set
 * `relayChunked`, chunked (`Transfer-Encoding: chunked` kept, framing validated) — `headers` is
 * empty and `body` null. `raw` may view the
 * socket's receive buffer: it is valid only during the callback that delivers it; `detach` makes a
 * response that can be kept.
 */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | ReadableStream<Uint8Array> | null;
  raw?: Uint8Array;
  /**
   * With `raw`: the body, when it is not in `raw` but `rawTail[rawTailFrom..rawTailTo)`, right after
   * it (`raw` is then the head alone). A large answer whose head lost hop-by-hop lines comes so, its
   * body not copied to cut them (`cut`'s copy of a 64 KiB answer doubled its cost). Valid during
   * the callback only, as `raw`. `rawTail[0..rawTailFrom)` holds the upstream's own head, which the
   * caller may overwrite (to write the cut head and the body as one range).
   */
  rawTail?: Uint8Array;
  rawTailFrom?: number;
  rawTailTo?: number;
  /**
   * With `raw` (only when the request set `relayRaw`): `raw` (and `rawTail`) hold the answer only
   * as far as it came with its head; the rest of its body is relayed through this, piece by piece.
   */
  relay?: RawRelay;
  /** `body` is a stream of chunk-framed bytes (only when the request set `relayChunked`). */
  framed?: boolean;
  /**
   * Set when `body` is a stream framed by `Content-Length`: that length in bytes (the stream
   * carries exactly as many), so a relay may send it as is with `content-length` instead of
   * re-framing it chunked.
   */
  contentLength?: number;
}

/** Counters of one client (for `GET /metrics` and the benchmark). */
export interface UpstreamClientStats {
  /** Upstream connections opened since the client started, all origins. */
  opened: number;
  /** The same by origin. */
  openedByOrigin: ReadonlyMap<string, number>;
  /** Connections open now (idle or busy), all origins. */
  open: number;
  /** Idle connections kept now, all origins. */
  idle: number;
}

/** Sends requests to upstream origins. */
export interface UpstreamClient {
  /** Sends `req` to `origin` (e.g. `http://127.0.0.1:8001`); the outcome goes to `req.onAnswer`. */
  send(origin: string, req: UpstreamRequest): void;
  /** Closes idle connections (and those of `origin` only, when given). */
  close(origin?: string): void;
  /** Connection counters (the raw-socket client has them; wrappers and fakes may not). */
  stats?(): UpstreamClientStats;
}

/** Options of the pooled client. */
export interface UpstreamClientOptions {
  /**
   * Most idle connections kept per origin. By default there is no fixed cap: an origin keeps up to
   * its peak number of requests in flight over the last idle timeout (the demand), so a thousand
   * clients do not churn upstream connections.
   */
  maxIdlePerOrigin?: number;
  /** ms an idle connection is kept before it is closed (default 4 000, under Node's 5 s keep-alive). */
  idleTimeoutMs?: number;
  /** Where a throwing response callback is reported (default: `console.error`). */
  onCallbackError?: (err: unknown) => void;
  /** Called each time a connection to `origin` is opened (e.g. a Prometheus counter). */
  onConnectionOpened?: (origin: string) => void;
  /**
   * Open connections per origin (default 1024, like HAProxy's per-server `maxconn`); further
   * requests queue for the next free connection instead of opening thousands of sockets.
   */
  maxConnsPerOrigin?: number;
  /**
   * TLS for `https:` origins: certificates are verified against the system's CAs (plus
   * `NODE_EXTRA_CA_CERTS`) and `ca` when given; `rejectUnauthorized: false` turns verification off.
   */
  tls?: { ca?: string; rejectUnauthorized?: boolean };
}

/**
 * A try that failed before the final response head: the upstream could not be reached or dropped
 * the connection (`connect-failure`), sent no head in time (`timeout`), sent a malformed or
 * ambiguous answer (`bad-response`: the proxy answers 502, does not retry — the upstream may have
 * acted on the request, as HAProxy's default `retry-on` — and the connection is destroyed), or the
 * request body stream failed (`client-aborted`: the client's fault, never the server's).
 */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'connect-failure' | 'timeout' | 'bad-response' | 'client-aborted',
    message: string,
    /** The connection was a reused idle one that closed before any byte (safe to resend). */
    readonly stale = false,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}
