/**
 * A lean HTTP/1.1 client for the proxy's upstream side over raw TCP (`Bun.connect`; TLS for
 * `https:` origins), assembled from the pool sized by demand (`pool.ts`), the per-try deadlines
 * (`deadlines.ts`), the request writer (`request.ts`) and the response reader (`exchange.ts`).
 * It replaces `fetch`, which hands every request to a separate HTTP thread and back. Answers come
 * back through a callback, synchronously from the socket's data event. Here live the rules of
 * connection reuse: a connection goes back to the pool only after a complete, valid exchange in
 * both directions — request fully written, response fully read and valid, nothing left over,
 * no `Connection: close` — and is destroyed otherwise. A reused idle connection that the upstream
 * closed before answering is retried once on a fresh one (the keep-alive race), only for a
 * replayable (buffered) body.
 */
import type { Socket } from 'bun';
import { releaseReceived } from '../bytes.ts';
import { Conn, type ConnOwner } from './connection.ts';
import { Deadlines } from './deadlines.ts';
import { Exchange, type ExchangeHost } from './exchange.ts';
import { type OriginPool, Pool } from './pool.ts';
import { writeRequest } from './request.ts';
import { NO_REQUEST } from './response.ts';
import {
  type UpstreamClient,
  type UpstreamClientOptions,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from './types.ts';

/** Recycled exchanges kept at most. */
const MAX_FREE_EXCHANGES = 1024;

/** The raw-socket client; `createUpstreamClient` is its public constructor. */
class RawUpstreamClient implements UpstreamClient, ExchangeHost, ConnOwner {
  readonly deadlines = new Deadlines<Exchange>((ex) => this.fail(ex, timeoutError(ex)));
  private readonly pool: Pool<Conn, Exchange>;
  private readonly free: Exchange[] = [];
  private readonly maxIdle: number;
  private readonly maxConns: number;
  readonly onCallbackError: (err: unknown) => void;
  private readonly handlers = {
    binaryType: 'uint8array' as const,
    open() {}, // Bun sets TCP_NODELAY on a connected socket itself (strace shows it, twice)
    data: (s: Socket<Conn>, data: Uint8Array) => {
      this.onData(s.data, data);
      releaseReceived(data); // nothing keeps a view of it (see `releaseReceived`)
    },
    drain: (s: Socket<Conn>) => s.data.flush(),
    end: (s: Socket<Conn>) => this.onClose(s.data, null),
    close: (s: Socket<Conn>, err?: Error) => this.onClose(s.data, err ?? null),
    error: (s: Socket<Conn>, err: Error) => this.onClose(s.data, err),
    connectError() {},
  };

  constructor(private readonly opts: UpstreamClientOptions) {
    this.pool = new Pool(opts.idleTimeoutMs ?? 4_000);
    this.maxIdle = opts.maxIdlePerOrigin ?? Number.POSITIVE_INFINITY;
    this.maxConns = opts.maxConnsPerOrigin ?? 1024;
    this.onCallbackError =
      opts.onCallbackError ?? ((err: unknown) => console.error('upstream callback failed', err));
  }

  send(origin: string, req: UpstreamRequest): void {
    const pool = this.pool.of(origin);
    const ex = (this.free.pop() ?? new Exchange(this)).reset(req, pool);
    pool.begin();
    // Connecting and the upstream taking the request count towards the try; see `request.ts`.
    this.deadlines.watch(ex, req.timeoutMs);
    const c = pool.take();
    if (c) this.start(c, ex);
    else this.startFresh(ex);
  }

  close(origin?: string): void {
    this.pool.closeIdle(origin);
  }

  stats() {
    const openedByOrigin = new Map<string, number>();
    for (const [o, p] of this.pool.origins) openedByOrigin.set(o, p.opened);
    return { opened: this.pool.opened, openedByOrigin, ...this.pool.counts() };
  }

  /** Runs `ex` on `c` (or hands `c` on when `ex` was given up meanwhile). */
  private start(c: Conn, ex: Exchange): void {
    if (ex.finished) {
      this.release(c);
      return;
    }
    ex.conn = c;
    c.ex = ex;
    c.used += 1;
    writeRequest(c, ex);
  }

  /** Runs `ex` on a new connection, or queues it when its origin is at `maxConns`. */
  private startFresh(ex: Exchange): void {
    const p = ex.pool as OriginPool<Conn, Exchange>;
    if (p.open >= this.maxConns) {
      p.waiters.push(ex);
      return;
    }
    p.open += 1;
    this.connect(p).then(
      (c) => this.start(c, ex),
      (err: unknown) => {
        p.open -= 1;
        this.fail(ex, err);
        this.serveWaiter(p);
      },
    );
  }

  private connect(p: OriginPool<Conn, Exchange>): Promise<Conn> {
    const u = new URL(p.origin);
    const conn = new Conn(p, this);
    const secure = u.protocol === 'https:';
    return Bun.connect<Conn>({
      hostname: u.hostname,
      port: Number(u.port || (secure ? 443 : 80)),
      tls: secure ? this.tlsFor(u.hostname) : undefined,
      data: conn,
      socket: this.handlers,
    }).then(
      (s) => {
        conn.socket = s;
        this.pool.countOpened(p);
        this.opts.onConnectionOpened?.(p.origin);
        return conn;
      },
      (err: unknown) => {
        throw new UpstreamError(
          'connect-failure',
          `connect ${p.origin}: ${String((err as Error)?.message ?? err)}`,
        );
      },
    );
  }

  /** TLS options of a connection to `hostname` (SNI only for names, not addresses). */
  private tlsFor(hostname: string) {
    return { ...this.opts.tls, ...(/^[\d.]+$|:/.test(hostname) ? {} : { serverName: hostname }) };
  }

  /** A connection closed (once): its slot is free, so a queued request gets a fresh one. */
  closed(c: Conn): void {
    c.pool.open -= 1;
    this.serveWaiter(c.pool);
  }

  /** Starts the first queued request of `p` that is still wanted, on a fresh connection. */
  private serveWaiter(p: OriginPool<Conn, Exchange>): void {
    for (;;) {
      const w = p.waiters.shift();
      if (!w) return;
      if (w.finished) continue;
      this.startFresh(w);
      return;
    }
  }

  /** Back to the pool (or to a queued request) after a complete, valid exchange. */
  private release(c: Conn): void {
    c.ex = null;
    c.buf = null;
    if (c.closed) return;
    c.resume(); // a streamed body may have paused it for back-pressure
    const p = c.pool;
    for (;;) {
      const w = p.waiters.shift();
      if (!w) break;
      if (w.finished) continue;
      this.start(c, w);
      return;
    }
    p.keep(c, this.maxIdle);
    this.pool.ensureSweep();
  }

  finish(ex: Exchange, ok: boolean): void {
    if (ex.finished) return;
    ex.finished = true;
    this.deadlines.unwatch(ex);
    ex.pool?.end();
    const reader = ex.bodyReader;
    if (reader) {
      // The upstream answered before the body was all sent: stop sending; not reusable.
      ex.bodyReader = null;
      reader.cancel().catch(() => {});
    }
    try {
      ex.req.onDone();
    } catch (err) {
      this.onCallbackError(err);
    }
    const c = ex.conn;
    if (!c || c.ex !== ex) return;
    if (ok && ex.keepAlive && ex.written && c.out.empty) this.release(c);
    else {
      c.ex = null;
      c.destroy();
    }
  }

  fail(ex: Exchange, err: unknown): void {
    if (ex.finished) return;
    this.finish(ex, false);
    if (!ex.answered) this.tell(ex, err, null);
    else ex.errorStream(err);
  }

  tell(ex: Exchange, err: unknown, res: UpstreamResponse | null): void {
    if (ex.answered) return;
    ex.answered = true;
    try {
      ex.req.onAnswer(err, res);
    } catch (e) {
      this.onCallbackError(e);
    }
  }

  recycle(ex: Exchange): void {
    if (ex.streamed || this.free.length >= MAX_FREE_EXCHANGES) return;
    ex.reset(NO_REQUEST, null);
    this.free.push(ex);
  }

  private onData(c: Conn, data: Uint8Array): void {
    const ex = c.ex;
    if (!ex || ex.finished) {
      c.destroy(); // bytes outside an exchange: the connection is out of sync
      return;
    }
    ex.onData(c, data);
  }

  private onClose(c: Conn, err: Error | null): void {
    if (c.closed && !c.ex) return;
    c.markClosed();
    const ex = c.ex;
    if (!ex || ex.finished) return;
    if (ex.headSeen && ex.body.framing === 'close') {
      ex.body.close(); // a body delimited by close is complete
      this.finish(ex, false);
      return;
    }
    if (!ex.headSeen && !ex.gotBytes && c.used > 1 && !(ex.req.body instanceof ReadableStream)) {
      // Keep-alive race: the upstream closed this reused idle connection as we sent. Resend once, fresh.
      c.ex = null;
      ex.conn = null;
      this.startFresh(ex);
      return;
    }
    const origin = c.pool.origin;
    this.fail(
      ex,
      ex.headSeen
        ? new Error(`${origin} closed the connection mid-body`)
        : new UpstreamError(
            'connect-failure',
            `${origin} closed the connection before answering${err ? `: ${err.message}` : ''}`,
          ),
    );
  }
}

function timeoutError(ex: Exchange): UpstreamError {
  const origin = ex.pool?.origin ?? '';
  return new UpstreamError('timeout', `${origin} sent no response head within ${ex.req.timeoutMs} ms`);
}

/** Creates the pooled raw-socket HTTP/1.1 client (see the module comment and `UpstreamClientOptions`). */
export function createUpstreamClient(opts: UpstreamClientOptions = {}): UpstreamClient {
  return new RawUpstreamClient(opts);
}
