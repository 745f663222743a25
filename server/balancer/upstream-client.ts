/**
 * A lean HTTP/1.1 client for the proxy's upstream side over raw TCP (`Bun.connect`), with a pool of
 * keep-alive connections per upstream. It replaces `fetch`, which hands every request to a separate
 * HTTP thread and back and was the proxy's main cost (profile: ~40 % of a core). A response whose
 * body arrives with its head (the common small case) is returned as bytes; any other body is a
 * `ReadableStream` fed as bytes arrive (SSE and chunked pass through), with socket back-pressure.
 * A reused idle connection that the upstream closed before answering is retried once on a fresh
 * connection (the keep-alive race), and only for a replayable (buffered) body. Errors carry a `kind`
 * (`connect-failure` | `timeout`) that the retry rules understand. Per-try timeouts are deadlines
 * checked by one sweep timer (every `TIMEOUT_TICK_MS`) over the open connections, running only
 * while some exchange waits for its response head, instead of a `setTimeout` per request (and
 * without a per-request Set entry, whose churn showed as p99 latency).
 */
import type { Socket } from 'bun';
import { bodyFraming, ChunkedDecoder, parseResponseHead, type ResponseHead } from './http1.ts';

/** A request to send upstream. `head` holds the header lines (`name: value\r\n`…) except Host and framing. */
export interface UpstreamRequest {
  method: string;
  /** Path and query, e.g. `/work?ms=1`. */
  target: string;
  head: string;
  /** Buffered body (replayable), a stream (sent once, chunked) or none. */
  body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  /** ms until the response head must have arrived (per-try timeout). */
  timeoutMs: number;
  /** Called once when the exchange is over: body fully received, failed or cancelled. */
  onDone(): void;
}

/** An upstream response; `body` is bytes when it was complete with the head. */
export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array | ReadableStream<Uint8Array> | null;
}

/** Sends requests to upstream origins. */
export interface UpstreamClient {
  /** @throws UpstreamError (`connect-failure` or `timeout`) before response headers arrived. */
  request(origin: string, req: UpstreamRequest): Promise<UpstreamResponse>;
  /** Closes idle connections (and those of `origin` only, when given). */
  close(origin?: string): void;
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
  resolve(r: UpstreamResponse): void;
  reject(e: unknown): void;
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
  /**
   * Open connections per origin (default 1024, like HAProxy's per-server `maxconn`); further
   * requests queue for the next free connection instead of opening thousands of sockets.
   */
  maxConnsPerOrigin?: number;
}

/** Creates the pooled raw-socket HTTP/1.1 client. */
export function createUpstreamClient(opts: UpstreamClientOptions = {}): UpstreamClient {
  const maxIdle = opts.maxIdlePerOrigin ?? 256;
  const idle = new Map<string, Conn[]>();
  const maxConns = opts.maxConnsPerOrigin ?? 1024;
  const open = new Map<string, number>();
  const waiters = new Map<string, ((c: Conn | Error) => void)[]>();
  /** Open connections (swept for deadlines); `Conn.slot` is the index. */
  const live: Conn[] = [];
  /** Exchanges still connecting or queued for a connection (rare; swept too). */
  const unattached = new Set<Exchange>();
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
    return Bun.connect<Conn>({
      hostname: u.hostname,
      port: Number(u.port || 80),
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

  function send(c: Conn, req: UpstreamRequest): void {
    const b = req.body;
    if (b instanceof Uint8Array) {
      const head = `${req.method} ${req.target} HTTP/1.1\r\nhost: ${c.host}\r\n${req.head}content-length: ${b.byteLength}\r\n\r\n`;
      // A small body goes out with its head in one write (one send instead of two).
      if (b.byteLength <= SMALL_BODY_BYTES) write(c, concat(Buffer.from(head, 'latin1'), b));
      else {
        write(c, head);
        write(c, b);
      }
    } else if (b) {
      write(
        c,
        `${req.method} ${req.target} HTTP/1.1\r\nhost: ${c.host}\r\n${req.head}transfer-encoding: chunked\r\n\r\n`,
      );
      void sendStream(c, b);
    } else write(c, `${req.method} ${req.target} HTTP/1.1\r\nhost: ${c.host}\r\n${req.head}\r\n`);
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

  /** Ends an exchange that never got a connection: `onDone`, then reject with `err`. */
  function abandon(ex: Exchange, err: unknown): void {
    unattached.delete(ex);
    if (ex.finished) return;
    ex.finished = true;
    unwatch(ex);
    ex.req.onDone();
    ex.reject(err);
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
    send(c, ex.req);
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

  function fail(c: Conn, err: unknown): void {
    const ex = c.ex;
    if (!ex || ex.finished) return;
    if (!ex.head) ex.reject(err);
    else if (ex.ctrl) {
      try {
        ex.ctrl.error(err);
      } catch {}
    }
    finish(c, false);
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
        ex.resolve(answer(head, null));
        finish(c, rest.byteLength === 0);
        return;
      }
      if (ex.framing === 'length' && rest.byteLength >= head.contentLength) {
        ex.resolve(answer(head, rest.slice(0, head.contentLength)));
        finish(c, rest.byteLength === head.contentLength);
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
          ex.resolve(answer(head, parts.length === 1 ? (parts[0] as Uint8Array) : concatAll(parts)));
          finish(c, end === rest.byteLength);
          return;
        }
        ex.resolve(answer(head, stream(c, ex, parts)));
        return;
      }
      ex.remaining = head.contentLength;
      const first = rest.byteLength > 0 ? [rest.slice()] : [];
      ex.remaining -= rest.byteLength;
      ex.resolve(answer(head, stream(c, ex, first)));
      return;
    }
    bodyData(c, ex, data);
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
        pull() {
          if (!c.paused) return;
          c.paused = false;
          c.socket?.resume();
        },
        cancel() {
          finish(c, false);
        },
      },
      { highWaterMark: 4 },
    );
  }

  function request(origin: string, req: UpstreamRequest): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const ex: Exchange = {
        req,
        origin,
        resolve,
        reject,
        deadline: performance.now() + req.timeoutMs,
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
    });
  }

  return {
    request,
    close(origin) {
      for (const [o, list] of idle) {
        if (origin && o !== origin) continue;
        for (const c of list) destroy(c);
        idle.delete(o);
      }
    },
  };
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
