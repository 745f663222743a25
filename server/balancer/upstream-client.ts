/**
 * A lean HTTP/1.1 client for the proxy's upstream side over raw TCP (`Bun.connect`; TLS for
 * `https:` origins), with a pool of keep-alive connections per upstream. It replaces `fetch`, which
 * hands every request to a separate HTTP thread and back and was the proxy's main cost (profile:
 * ~40 % of a core). Answers come back through a callback, synchronously from the socket's data
 * event, so the common case — a `Content-Length`-framed HTTP/1.1 response, once complete
 * (`scanResponseHead`) — reaches the client as the bytes received (`raw`, less any hop-by-hop
 * lines), without parsing headers, re-serialising or a promise hop. Other bodies that arrive with their head are returned as bytes; any other body is a
 * `ReadableStream` fed as bytes arrive (SSE and chunked pass through), with socket back-pressure. A
 * reused idle connection that the upstream closed before answering is retried once on a fresh
 * connection (the keep-alive race), and only for a replayable (buffered) body. Errors carry a
 * `kind` (`connect-failure` | `timeout`) that the retry rules understand. Per-try timeouts are
 * deadlines checked by one sweep timer (every `TIMEOUT_TICK_MS`) over the open connections, running
 * only while some exchange waits for its response head, instead of a `setTimeout` per request (and
 * without a per-request Set entry, whose churn showed as p99 latency).
 */
import type { Socket } from 'bun';
import {
  bodyFraming,
  ChunkedDecoder,
  parseResponseHead,
  type ResponseHead,
  type ResponseScan,
  scanResponseHead,
} from './http1.ts';

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
   * `method`/`target`/`head`; only for bodiless requests. The client keeps no copy of it.
   */
  rawHead?: Uint8Array;
  /** Buffered body (replayable), a stream (sent once, chunked) or none. */
  body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  /** ms until the response head must have arrived (per-try timeout). */
  timeoutMs: number;
  /**
   * Called exactly once with the outcome: `(null, response)` once the response head is in, or
   * `(error, null)` — an `UpstreamError` (`connect-failure` | `timeout`) — before it. May run
   * synchronously from socket I/O.
   */
  onAnswer(err: unknown, res: UpstreamResponse | null): void;
  /** Called once when the exchange is over: body fully received, failed or cancelled. */
  onDone(): void;
}

/**
 * An upstream response; `body` is bytes when it was complete with the head. When `raw` is set, the
 * response was complete and clean (see `scanResponseHead`): `raw` holds it exactly as received, head
 * and body, `headers` is empty and `body` null. `raw` may view the socket's receive buffer: it is
 * valid only during the callback that delivers it; `detach` makes a response that can be kept.
 */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | ReadableStream<Uint8Array> | null;
  raw?: Uint8Array;
}

/** Sends requests to upstream origins. */
export interface UpstreamClient {
  /** Sends `req` to `origin` (e.g. `http://127.0.0.1:8001`); the outcome goes to `req.onAnswer`. */
  send(origin: string, req: UpstreamRequest): void;
  /** Closes idle connections (and those of `origin` only, when given). */
  close(origin?: string): void;
}

/**
 * `client.send` as a promise of a kept (`detach`ed) response.
 * @throws UpstreamError (`connect-failure` or `timeout`) before response headers arrived.
 */
export function requestUpstream(
  client: UpstreamClient,
  origin: string,
  req: Omit<UpstreamRequest, 'onAnswer'>,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) =>
    client.send(origin, {
      ...req,
      onAnswer: (err, res) => (res ? resolve(detach(res)) : reject(err)),
    }),
  );
}

/**
 * A response that may be kept past its callback: a `raw` one is parsed into status, headers
 * (hop-by-hop ones dropped) and a copied body; any other is returned as it is.
 */
export function detach(res: UpstreamResponse): UpstreamResponse {
  const raw = res.raw;
  if (!raw) return res;
  const head = parseResponseHead(raw) as ResponseHead; // it scanned complete and clean
  const body = raw.byteLength > head.bodyStart ? raw.slice(head.bodyStart) : null;
  return { status: head.status, statusText: head.statusText, headers: head.headers, body };
}

/** A try that failed before response headers: the upstream could not be reached, or timed out. */
export class UpstreamError extends Error {
  constructor(
    readonly kind: 'connect-failure' | 'timeout',
    message: string,
    /** The connection was a reused idle one that closed before any byte (safe to resend). */
    readonly stale = false,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

interface Exchange {
  req: UpstreamRequest;
  origin: string;
  /** `req.onAnswer` was called (it is called once). */
  answered: boolean;
  /** `performance.now()` ms by which the response head must have arrived. */
  deadline: number;
  /** Counted in `watched` (waiting for its head). */
  watched: boolean;
  /** The connection carrying it; null while connecting or queued for a free one. */
  conn: Conn | null;
  head: ResponseHead | null;
  framing: 'none' | 'length' | 'chunked' | 'close';
  remaining: number;
  chunked: ChunkedDecoder | null;
  ctrl: ReadableStreamDefaultController<Uint8Array> | null;
  keepAlive: boolean;
  gotBytes: boolean;
  finished: boolean;
}

interface Conn {
  origin: string;
  /** `host:port` of the origin, sent as the Host header. */
  host: string;
  /** Index in `live` while open, -1 otherwise. */
  slot: number;
  /** Reading is paused (back-pressure from a streamed body). */
  paused: boolean;
  socket: Socket<Conn> | null;
  ex: Exchange | null;
  buf: Uint8Array | null;
  used: number;
  closed: boolean;
  pending: Uint8Array[];
  drained: (() => void) | null;
}

/** Request bodies up to this size (bytes) are written together with the head. */
const SMALL_BODY_BYTES = 16 * 1024;

/** ms between sweeps of the per-try deadlines; a try times out at most this late. */
export const TIMEOUT_TICK_MS = 20;

/** Options of the pooled client. */
export interface UpstreamClientOptions {
  /** Idle connections kept per origin (default 256). */
  maxIdlePerOrigin?: number;
  /** Where a throwing response callback is reported (default: `console.error`). */
  onCallbackError?: (err: unknown) => void;
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

/** Creates the pooled raw-socket HTTP/1.1 client. */
export function createUpstreamClient(opts: UpstreamClientOptions = {}): UpstreamClient {
  const maxIdle = opts.maxIdlePerOrigin ?? 256;
  /** TLS options of a connection to `hostname` (SNI only for names, not addresses). */
  const tlsFor = (hostname: string) => ({
    ...opts.tls,
    ...(/^[\d.]+$|:/.test(hostname) ? {} : { serverName: hostname }),
  });
  const onCallbackError =
    opts.onCallbackError ?? ((err: unknown) => console.error('upstream callback failed', err));
  const idle = new Map<string, Conn[]>();
  const maxConns = opts.maxConnsPerOrigin ?? 1024;
  const open = new Map<string, number>();
  const waiters = new Map<string, ((c: Conn | Error) => void)[]>();
  /** Open connections (swept for deadlines); `Conn.slot` is the index. */
  const live: Conn[] = [];
  /** Exchanges still connecting or queued for a connection (rare; swept too). */
  const unattached = new Set<Exchange>();
  /** Exchanges answered raw, reused by later requests (allocation per request sets the GC's pace). */
  const freeExchanges: Exchange[] = [];
  /** Scan result and raw answer reused by every response (both live only within one data event). */
  const scratch: ResponseScan = {
    status: 0,
    contentLength: -1,
    clean: false,
    keepAlive: true,
    drop: [],
    bodyStart: 0,
  };
  const rawAnswer: UpstreamResponse = { status: 0, statusText: '', headers: [], body: null, raw: EMPTY };
  /** Exchanges waiting for their response head; the sweep timer runs while > 0. */
  let watched = 0;
  let sweeper: ReturnType<typeof setInterval> | null = null;

  const handlers = {
    binaryType: 'uint8array' as const,
    open(s: Socket<Conn>) {
      s.setNoDelay(true);
    },
    data(s: Socket<Conn>, data: Uint8Array) {
      onData(s.data, data);
    },
    drain(s: Socket<Conn>) {
      flush(s.data);
    },
    end(s: Socket<Conn>) {
      onClose(s.data, null);
    },
    close(s: Socket<Conn>, err?: Error) {
      onClose(s.data, err ?? null);
    },
    error(s: Socket<Conn>, err: Error) {
      onClose(s.data, err);
    },
  };

  function connect(origin: string): Promise<Conn> {
    const u = new URL(origin);
    const conn: Conn = {
      origin,
      host: origin.slice(origin.indexOf('//') + 2),
      slot: -1,
      paused: false,
      socket: null,
      ex: null,
      buf: null,
      used: 0,
      closed: false,
      pending: [],
      drained: null,
    };
    const secure = u.protocol === 'https:';
    return Bun.connect<Conn>({
      hostname: u.hostname,
      port: Number(u.port || (secure ? 443 : 80)),
      tls: secure ? tlsFor(u.hostname) : undefined,
      data: conn,
      socket: { ...handlers, connectError() {} },
    }).then(
      (s) => {
        conn.socket = s;
        open.set(origin, (open.get(origin) ?? 0) + 1);
        conn.slot = live.length;
        live.push(conn);
        return conn;
      },
      (err: unknown) => {
        throw new UpstreamError(
          'connect-failure',
          `connect ${origin}: ${String((err as Error)?.message ?? err)}`,
        );
      },
    );
  }

  function takeIdle(origin: string): Conn | null {
    const list = idle.get(origin);
    while (list && list.length > 0) {
      const c = list.pop() as Conn;
      if (!c.closed) return c;
    }
    return null;
  }

  function release(c: Conn): void {
    c.ex = null;
    c.buf = null;
    if (c.closed) return;
    if (c.paused) {
      c.paused = false;
      c.socket?.resume(); // a streamed body paused it for back-pressure
    }
    const next = waiters.get(c.origin)?.shift();
    if (next) {
      next(c);
      return;
    }
    let list = idle.get(c.origin);
    if (!list) idle.set(c.origin, (list = []));
    if (list.length >= maxIdle) {
      destroy(c);
      return;
    }
    list.push(c);
  }

  function destroy(c: Conn): void {
    markClosed(c);
    c.socket?.terminate();
  }

  /** Marks `c` closed once, freeing its slot: a queued request then gets a fresh connection. */
  function markClosed(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    if (c.slot >= 0) {
      const last = live.pop() as Conn;
      if (last !== c) {
        live[c.slot] = last;
        last.slot = c.slot;
      }
      c.slot = -1;
    }
    if (!c.socket) return;
    open.set(c.origin, (open.get(c.origin) ?? 1) - 1);
    const next = waiters.get(c.origin)?.shift();
    if (next) connect(c.origin).then(next, next);
  }

  function write(c: Conn, data: Uint8Array | string): void {
    if (c.closed || !c.socket) return;
    // Header text is latin1 (one byte per char, as it was read): byte-exact, and its length is known.
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    if (c.pending.length > 0) {
      c.pending.push(bytes);
      return;
    }
    const n = c.socket.write(bytes);
    if (n < bytes.byteLength) c.pending.push(bytes.subarray(Math.max(0, n)));
  }

  function flush(c: Conn): void {
    while (c.pending.length > 0 && c.socket && !c.closed) {
      const b = c.pending[0] as Uint8Array;
      const n = c.socket.write(b);
      if (n < b.byteLength) {
        c.pending[0] = b.subarray(Math.max(0, n));
        return;
      }
      c.pending.shift();
    }
    const d = c.drained;
    c.drained = null;
    d?.();
  }

  async function sendStream(c: Conn, body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (c.closed) return;
        if (done) break;
        if (value.byteLength === 0) continue;
        write(c, `${value.byteLength.toString(16)}\r\n`);
        write(c, value);
        write(c, '\r\n');
        if (c.pending.length > 0) await new Promise<void>((r) => (c.drained = r));
      }
      write(c, '0\r\n\r\n');
    } catch {
      destroy(c);
    }
  }

  function writeRequest(c: Conn, req: UpstreamRequest): void {
    if (req.rawHead) {
      write(c, req.rawHead);
      return;
    }
    const b = req.body;
    const start = req.hasHost
      ? `${req.method} ${req.target} HTTP/1.1\r\n${req.head}`
      : `${req.method} ${req.target} HTTP/1.1\r\nhost: ${c.host}\r\n${req.head}`;
    if (b instanceof Uint8Array) {
      const head = `${start}content-length: ${b.byteLength}\r\n\r\n`;
      // A small body goes out with its head in one write (one send instead of two).
      if (b.byteLength <= SMALL_BODY_BYTES) write(c, concat(Buffer.from(head, 'latin1'), b));
      else {
        write(c, head);
        write(c, b);
      }
    } else if (b) {
      write(c, `${start}transfer-encoding: chunked\r\n\r\n`);
      void sendStream(c, b);
    } else write(c, `${start}\r\n`);
  }

  /** Tells `ex`'s caller the outcome, once; a throwing callback is logged, not let into socket I/O. */
  function tell(ex: Exchange, err: unknown, res: UpstreamResponse | null): void {
    if (ex.answered) return;
    ex.answered = true;
    try {
      ex.req.onAnswer(err, res);
    } catch (e) {
      onCallbackError(e);
    }
  }

  /** Counts `ex` as waiting for its head; starts the deadline sweep when it is not running. */
  function watch(ex: Exchange): void {
    ex.watched = true;
    watched += 1;
    if (sweeper) return;
    sweeper = setInterval(sweep, TIMEOUT_TICK_MS);
    sweeper.unref?.();
  }

  /** `ex` got its head or ended: no longer swept. */
  function unwatch(ex: Exchange): void {
    if (!ex.watched) return;
    ex.watched = false;
    watched -= 1;
  }

  /** Times out every exchange past its deadline; stops itself when none is waiting. */
  function sweep(): void {
    if (watched <= 0) {
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      return;
    }
    const now = performance.now();
    // Backwards: a timed-out connection is swap-removed from `live` at its index.
    for (let i = live.length - 1; i >= 0; i--) {
      const ex = (live[i] as Conn).ex;
      if (ex?.watched && now >= ex.deadline) fail(live[i] as Conn, timeoutError(ex));
    }
    for (const ex of unattached) if (now >= ex.deadline) abandon(ex, timeoutError(ex));
  }

  /** Ends an exchange that never got a connection: `onDone`, then tell `err`. */
  function abandon(ex: Exchange, err: unknown): void {
    unattached.delete(ex);
    if (ex.finished) return;
    ex.finished = true;
    unwatch(ex);
    ex.req.onDone();
    tell(ex, err, null);
  }

  /** Runs `ex` on connection `c` (or parks `c` when `ex` was given up meanwhile). */
  function start(c: Conn, ex: Exchange): void {
    if (unattached.size > 0) unattached.delete(ex);
    if (ex.finished) {
      release(c);
      return;
    }
    ex.conn = c;
    c.ex = ex;
    c.used += 1;
    writeRequest(c, ex.req);
  }

  /** Runs `ex` on a new connection, or queues it when the origin's connection limit is reached. */
  function startFresh(ex: Exchange): void {
    const origin = ex.origin;
    unattached.add(ex);
    if ((open.get(origin) ?? 0) >= maxConns) {
      let list = waiters.get(origin);
      if (!list) waiters.set(origin, (list = []));
      list.push((c) => (c instanceof Error ? abandon(ex, c) : start(c, ex)));
      return;
    }
    connect(origin).then(
      (c) => start(c, ex),
      (err: unknown) => abandon(ex, err),
    );
  }

  /** Ends the exchange: `ok` = body fully read and the connection may be reused. */
  function finish(c: Conn, ok: boolean): void {
    const ex = c.ex;
    if (!ex || ex.finished) return;
    ex.finished = true;
    unwatch(ex);
    ex.req.onDone();
    if (ok && ex.keepAlive && c.pending.length === 0) release(c);
    else {
      c.ex = null;
      destroy(c);
    }
  }

  /** Ends the exchange on `c` with `err`: told to the caller before the head, or to the body stream. */
  function fail(c: Conn, err: unknown): void {
    const ex = c.ex;
    if (!ex || ex.finished) return;
    finish(c, false);
    if (!ex.head) tell(ex, err, null);
    else if (ex.ctrl) {
      try {
        ex.ctrl.error(err);
      } catch {}
    }
  }

  function onClose(c: Conn, err: Error | null): void {
    if (c.closed && !c.ex) return;
    markClosed(c);
    const ex = c.ex;
    if (!ex || ex.finished) return;
    if (ex.head && ex.framing === 'close') {
      try {
        ex.ctrl?.close();
      } catch {}
      finish(c, false);
      return;
    }
    if (!ex.head && !ex.gotBytes && c.used > 1 && !(ex.req.body instanceof ReadableStream)) {
      // Keep-alive race: the upstream closed this reused idle connection as we sent. Resend once, fresh.
      c.ex = null;
      ex.conn = null;
      startFresh(ex);
      return;
    }
    fail(
      c,
      ex.head
        ? new Error(`${c.origin} closed the connection mid-body`)
        : new UpstreamError(
            'connect-failure',
            `${c.origin} closed the connection before answering${err ? `: ${err.message}` : ''}`,
          ),
    );
  }

  function onData(c: Conn, data: Uint8Array): void {
    const ex = c.ex;
    if (!ex || ex.finished) {
      destroy(c); // bytes outside an exchange: the connection is out of sync
      return;
    }
    ex.gotBytes = true;
    if (!ex.head) {
      let buf = c.buf ? concat(c.buf, data) : data;
      if (passThrough(c, ex, buf)) return;
      let head: ResponseHead | null;
      try {
        for (;;) {
          head = parseResponseHead(buf);
          if (!head || head.status >= 200 || head.status === 101) break;
          buf = buf.subarray(head.bodyStart); // 1xx interim response: skip it
        }
      } catch (err) {
        fail(
          c,
          new UpstreamError('connect-failure', `bad response from ${c.origin}: ${(err as Error).message}`),
        );
        return;
      }
      if (!head) {
        if (buf.byteLength > 64 * 1024) {
          fail(c, new UpstreamError('connect-failure', `response head from ${c.origin} exceeds 64 KiB`));
          return;
        }
        c.buf = buf === data ? data.slice() : buf;
        return;
      }
      c.buf = null;
      unwatch(ex);
      ex.head = head;
      ex.keepAlive = head.keepAlive;
      ex.framing = bodyFraming(head, ex.req.method);
      const rest = buf.subarray(head.bodyStart);
      if (ex.framing === 'none') {
        finish(c, rest.byteLength === 0);
        tell(ex, null, answer(head, null));
        return;
      }
      if (ex.framing === 'length' && rest.byteLength >= head.contentLength) {
        const body = rest.slice(0, head.contentLength);
        finish(c, rest.byteLength === head.contentLength);
        tell(ex, null, answer(head, body));
        return;
      }
      if (ex.framing === 'chunked') {
        ex.chunked = new ChunkedDecoder();
        const parts: Uint8Array[] = [];
        let end: number;
        try {
          end = ex.chunked.push(rest, (p) => parts.push(p.slice()));
        } catch (err) {
          fail(
            c,
            new UpstreamError(
              'connect-failure',
              `bad chunked body from ${c.origin}: ${(err as Error).message}`,
            ),
          );
          return;
        }
        if (end >= 0) {
          finish(c, end === rest.byteLength);
          tell(ex, null, answer(head, parts.length === 1 ? (parts[0] as Uint8Array) : concatAll(parts)));
          return;
        }
        tell(ex, null, answer(head, stream(c, ex, parts)));
        return;
      }
      ex.remaining = head.contentLength;
      const first = rest.byteLength > 0 ? [rest.slice()] : [];
      ex.remaining -= rest.byteLength;
      tell(ex, null, answer(head, stream(c, ex, first)));
      return;
    }
    bodyData(c, ex, data);
  }

  /**
   * The fast path: a clean response (`scanResponseHead`) complete in `buf` goes to the caller as
   * `raw` bytes, straight from the receive buffer. False when `buf` needs the full parser (or more
   * bytes, or holds a bad head: the full parser reports it).
   */
  function passThrough(c: Conn, ex: Exchange, buf: Uint8Array): boolean {
    let scan: ResponseScan | null;
    try {
      scan = scanResponseHead(buf, scratch);
    } catch {
      return false;
    }
    if (!scan || !scan.clean || scan.status < 200) return false;
    const m = ex.req.method;
    const s = scan.status;
    let len = 0;
    if (m !== 'HEAD' && s !== 204 && s !== 304) {
      if (scan.contentLength < 0) return false; // delimited by close: streamed
      len = scan.contentLength;
    }
    const total = scan.bodyStart + len;
    if (buf.byteLength < total) return false;
    c.buf = null;
    unwatch(ex);
    // One response object serves every raw answer: it is valid only during the callback anyway.
    const res = rawAnswer;
    res.status = s;
    if (scan.drop.length > 0) res.raw = cut(buf, total, scan.drop);
    else res.raw = total === buf.byteLength ? buf : buf.subarray(0, total);
    ex.keepAlive = scan.keepAlive;
    finish(c, total === buf.byteLength);
    tell(ex, null, res);
    res.raw = EMPTY;
    // Nothing refers to a raw exchange any more (no body stream, connection released): reuse it.
    ex.req = NO_REQUEST;
    ex.conn = null;
    if (freeExchanges.length < MAX_FREE_EXCHANGES) freeExchanges.push(ex);
    return true;
  }

  function bodyData(c: Conn, ex: Exchange, data: Uint8Array): void {
    const ctrl = ex.ctrl;
    if (!ctrl) return;
    try {
      if (ex.framing === 'length') {
        const take = Math.min(ex.remaining, data.byteLength);
        ctrl.enqueue(data.slice(0, take));
        ex.remaining -= take;
        if (ex.remaining === 0) {
          ctrl.close();
          finish(c, take === data.byteLength);
        }
      } else if (ex.framing === 'chunked') {
        const end = (ex.chunked as ChunkedDecoder).push(data, (p) => ctrl.enqueue(p.slice()));
        if (end >= 0) {
          ctrl.close();
          finish(c, end === data.byteLength);
        }
      } else ctrl.enqueue(data.slice());
    } catch (err) {
      fail(c, err);
      return;
    }
    if (!ex.finished && (ctrl.desiredSize ?? 1) <= 0 && !c.paused) {
      c.paused = true;
      c.socket?.pause();
    }
  }

  function stream(c: Conn, ex: Exchange, first: Uint8Array[]): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start(ctrl) {
          ex.ctrl = ctrl;
          for (const p of first) ctrl.enqueue(p);
        },
        // A late pull or cancel (after this exchange ended and `c` carries another) is ignored.
        pull() {
          if (!c.paused || c.ex !== ex) return;
          c.paused = false;
          c.socket?.resume();
        },
        cancel() {
          if (c.ex === ex) finish(c, false);
        },
      },
      { highWaterMark: 4 },
    );
  }

  function sendRequest(origin: string, req: UpstreamRequest): void {
    const deadline = performance.now() + req.timeoutMs;
    const old = freeExchanges.pop();
    let ex: Exchange;
    if (old) {
      ex = old;
      ex.req = req;
      ex.origin = origin;
      ex.answered = false;
      ex.deadline = deadline;
      ex.watched = false;
      ex.conn = null;
      ex.head = null;
      ex.framing = 'none';
      ex.remaining = 0;
      ex.chunked = null;
      ex.ctrl = null;
      ex.keepAlive = true;
      ex.gotBytes = false;
      ex.finished = false;
    } else
      ex = {
        req,
        origin,
        answered: false,
        deadline,
        watched: false,
        conn: null,
        head: null,
        framing: 'none',
        remaining: 0,
        chunked: null,
        ctrl: null,
        keepAlive: true,
        gotBytes: false,
        finished: false,
      };
    watch(ex);
    const reused = takeIdle(origin);
    if (reused) start(reused, ex);
    else startFresh(ex);
  }

  return {
    send: sendRequest,
    close(origin) {
      for (const [o, list] of idle) {
        if (origin && o !== origin) continue;
        for (const c of list) destroy(c);
        idle.delete(o);
      }
    },
  };
}

const EMPTY = new Uint8Array(0);
const MAX_FREE_EXCHANGES = 1024;
/** Placeholder request of a pooled exchange (drops the reference to the finished one). */
const NO_REQUEST: UpstreamRequest = {
  method: 'GET',
  target: '/',
  head: '',
  body: undefined,
  timeoutMs: 0,
  onAnswer() {},
  onDone() {},
};

/** `buf[0..total)` without the byte ranges in `drop` (flat `[start, end)` pairs, in order): a copy. */
function cut(buf: Uint8Array, total: number, drop: number[]): Uint8Array {
  let size = total;
  for (let i = 0; i < drop.length; i += 2) size -= (drop[i + 1] as number) - (drop[i] as number);
  const out = new Uint8Array(size);
  let from = 0;
  let at = 0;
  for (let i = 0; i <= drop.length; i += 2) {
    const to = i < drop.length ? (drop[i] as number) : total;
    out.set(buf.subarray(from, to), at);
    at += to - from;
    from = i < drop.length ? (drop[i + 1] as number) : total;
  }
  return out;
}

function timeoutError(ex: Exchange): UpstreamError {
  return new UpstreamError('timeout', `${ex.origin} sent no response head within ${ex.req.timeoutMs} ms`);
}

function answer(head: ResponseHead, body: UpstreamResponse['body']): UpstreamResponse {
  return { status: head.status, statusText: head.statusText, headers: head.headers, body };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
