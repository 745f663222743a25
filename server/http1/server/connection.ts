/**
 * The raw HTTP/1.1 front end (`Bun.listen`) of the balancer and the gateway. Each connection
 * (`Connection`) reads request heads itself and answers its requests strictly in order
 * (pipelining), one at a time: the next request is not even parsed while an answer is unsent, and
 * reading pauses while the client does not read (`OutQueue`), while its buffered input exceeds
 * `MAX_BUFFERED_INPUT` or while a streamed request body's queue is full. Request bodies
 * (`Content-Length` or chunked) are read here (`RequestBody`): buffered up to the retry buffer so a
 * try can be replayed, streamed beyond it; a body that goes `clientBodyTimeoutMs` without a byte gets
 * 408 and a close (nginx's `client_body_timeout`) and is the client's fault, never a server's. On the
 * common path no header becomes a string: the upstream head is spliced from the client's bytes and a
 * clean upstream answer (`raw`) is written back as received (with a `connection` line added when the
 * client closes or speaks HTTP/1.0). Other answers are re-serialised (`reply.ts`; a streamed body goes
 * out chunked with back-pressure, SSE turns the idle timeout off). WebSocket upgrades, absolute-form
 * targets and the control API go through a byte tunnel into the full `Bun.serve` front (`tunnel.ts`).
 *
 * Memory per connection is bounded by: the buffered input (`MAX_BUFFERED_INPUT` plus one read), one
 * request body up to the retry buffer (plus `STREAM_HIGH_WATER` chunks once it streams), and one
 * answer's unsent bytes (a raw answer is at most its 64 KiB head plus one read; a streamed one waits
 * for each chunk to drain).
 */
import type { Socket, TCPSocketListener } from 'bun';
import { forwardedHead, forwardedPrefix, splicedRequestHead } from '../../balancer/headers.ts';
import {
  BadRequestHead,
  headerFields,
  headerValue,
  parseRequestHead,
  type RequestHead,
} from '../../balancer/request-head.ts';
import { detach } from '../../balancer/upstream-client.ts';
import type { ForwardAnswer, Forwarder, ForwardRequest } from '../../proxy/forwarder.ts';
import { errorAnswer } from '../../proxy/forwarder.ts';
import type { Logger } from '../../shared/logger.ts';
import { OutQueue } from '../socket-writer.ts';
import {
  chunkFrame,
  isEventStream,
  LAST_CHUNK,
  noBody,
  rawWithConnection,
  replyBytes,
  streamHead,
} from './reply.ts';
import { type ClientFault, RequestBody } from './request-body.ts';
import { Tunnel, type TunnelClient } from './upgrade.ts';

export { tunnelPeer } from './upgrade.ts';

/** Dependencies of the raw front end. */
export interface FrontEndDeps {
  host: string;
  /** Port to listen on (0 = ephemeral). */
  port: number;
  /** Port of the full `Bun.serve` front on 127.0.0.1 that tunnelled connections go to. */
  fallbackPort: number;
  /** Paths (without query) of the control API, always tunnelled. */
  controlPaths: ReadonlySet<string>;
  forward: Forwarder;
  /** Idle timeout of a client connection between requests, seconds. */
  idleTimeoutS: number;
  /** True while the balancer stops: new requests get 503 `shutting_down`. */
  draining(): boolean;
  /** Real client address by tunnel local port, filled here and read by the fallback's `requestIP`. */
  tunnels: Map<number, string>;
  log: Logger;
  /** Request bodies up to this size are buffered and retryable; larger ones stream (bytes, default 1 MiB). */
  maxRetryBodyBytes?: number;
  /** A request body silent this long gets 408 and a close (ms, default 60 s as nginx's client_body_timeout). */
  clientBodyTimeoutMs?: number;
}

/** What the front end holds right now (tests and the abuse benchmark read it). */
export interface FrontEndStats {
  connections: number;
  /** Received-not-handled, buffered request-body and unsent answer bytes over all connections. */
  bufferedBytes: number;
}

/** A running front end. */
export interface FrontEnd {
  port: number;
  /** Stops accepting; closes idle connections (`force`: every connection). */
  stop(force: boolean): void;
  stats(): FrontEndStats;
}

/** Buffered input (bytes) past which a connection stops reading until it has handled some. */
export const MAX_BUFFERED_INPUT = 64 * 1024;

/** The state every connection of one front end shares. */
interface Shared {
  d: FrontEndDeps;
  maxBody: number;
  bodyTimeoutMs: number;
  stopping: boolean;
  clients: Set<Connection>;
  /** Connections reading a request body (swept for the client-body timeout). */
  reading: Set<Connection>;
  sweeper: ReturnType<typeof setInterval> | null;
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** Starts the raw front end. @throws when the port cannot be bound. */
export function startFrontEnd(d: FrontEndDeps): FrontEnd {
  const sh: Shared = {
    d,
    maxBody: d.maxRetryBodyBytes ?? 1024 * 1024,
    bodyTimeoutMs: d.clientBodyTimeoutMs ?? 60_000,
    stopping: false,
    clients: new Set(),
    reading: new Set(),
    sweeper: null,
  };
  const listener: TCPSocketListener<Connection> = Bun.listen<Connection>({
    hostname: d.host,
    port: d.port,
    socket: {
      binaryType: 'uint8array',
      open(s) {
        s.data = new Connection(s, sh);
        sh.clients.add(s.data); // Bun sets TCP_NODELAY on accepted sockets itself (strace)
        s.timeout(d.idleTimeoutS);
      },
      data: (s, data) => s.data.onData(data),
      drain: (s) => s.data.onDrain(),
      timeout(s) {
        if (!s.data.tunnel) s.end();
      },
      close: (s) => s.data.close(),
      end: (s) => s.data.close(),
      error: (s) => s.data.close(),
    },
  });
  return {
    port: listener.port,
    stop(force) {
      sh.stopping = true;
      listener.stop(false);
      for (const c of [...sh.clients]) if (force || (!c.busy && !c.tunnel)) c.close();
      if (sh.sweeper) clearInterval(sh.sweeper);
      sh.sweeper = null;
    },
    stats() {
      let bufferedBytes = 0;
      for (const c of sh.clients) bufferedBytes += c.buffered();
      return { connections: sh.clients.size, bufferedBytes };
    },
  };
}

/** Starts the client-body timeout sweep when it is not running; it stops itself when idle. */
function watchBody(sh: Shared, c: Connection): void {
  sh.reading.add(c);
  if (sh.sweeper) return;
  const tick = Math.max(10, Math.min(1_000, Math.floor(sh.bodyTimeoutMs / 4)));
  sh.sweeper = setInterval(() => {
    if (sh.reading.size === 0) {
      if (sh.sweeper) clearInterval(sh.sweeper);
      sh.sweeper = null;
      return;
    }
    const now = performance.now();
    for (const r of sh.reading) if (now - r.bodyAt >= sh.bodyTimeoutMs) r.bodyTimedOut();
  }, tick);
  sh.sweeper.unref?.();
}

/** One client connection of the raw front end. */
class Connection implements TunnelClient {
  readonly ip: string;
  /** Received bytes not handled yet. */
  buf: Uint8Array | null = null;
  /** A request is being answered; later bytes wait in `buf`. */
  busy = false;
  closed = false;
  /** End the socket once `out` is written. */
  private endWhenDrained = false;
  private readonly out = new OutQueue();
  /** Resolves a streamed answer waiting for `out` to drain. */
  private drained: (() => void) | null = null;
  /** Reading is on (not paused). */
  private reading = true;
  tunnel: Tunnel | null = null;
  /** A response body being streamed (cancelled when the client goes away). */
  private reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  /** The request being answered (its head is `parsed`, reused for each request). */
  private cur: RequestHead | null = null;
  private parsed: RequestHead | undefined = undefined;
  /** The bytes `cur` was parsed from, while `forward` runs (for `fwd.header`). */
  private headBytes: Uint8Array | null = null;
  private keepAlive = false;
  /** Inside `forward`: an answer given synchronously is handled by `next`'s loop, not recursion. */
  private inForward = false;
  /** `cur` was handed to the forwarder. */
  private dispatched = false;
  /** The request body being read, if any. */
  private body: RequestBody | null = null;
  /** `performance.now()` of the last request-body bytes. */
  bodyAt = 0;
  /** Why the current request's body failed (the client's fault), or null. */
  private fault: ClientFault | null = null;
  private readonly prefix: Uint8Array;
  /** The forward request, reused for each request of the connection (one at a time). */
  private readonly fwd: ForwardRequest;
  private readonly onAnswer = (a: ForwardAnswer) => this.answer(a);
  private readonly onBodyPull = () => this.updateReading();

  constructor(
    readonly socket: Socket<Connection>,
    private readonly sh: Shared,
  ) {
    this.ip = socket.remoteAddress ?? '';
    this.prefix = forwardedPrefix(this.ip, 'http');
    this.fwd = {
      method: '',
      target: '',
      head: '',
      hasHost: false,
      body: undefined,
      clientIp: this.ip,
      header: (name) =>
        this.cur && this.headBytes ? headerValue(this.headBytes, this.cur, name) : undefined,
      aborted: () => this.closed,
      clientFault: () => this.fault,
      bodyPending: () => this.body !== null && !this.body.done,
    };
  }

  onData(data: Uint8Array): void {
    if (this.closed) return;
    if (this.tunnel?.socket) {
      this.tunnel.fromClient(data);
      return;
    }
    this.buf = this.buf ? concat(this.buf, data) : data;
    if (this.body) this.feedBody();
    this.next();
    // Keep no view of Bun's receive buffer past this callback.
    if (this.buf && this.buf.buffer === data.buffer) this.buf = this.buf.slice();
  }

  onDrain(): void {
    if (!this.out.flush(this.socket)) return;
    if (this.endWhenDrained) {
      this.socket.end();
      return;
    }
    if (this.tunnel) {
      this.tunnel.socket?.resume();
      return;
    }
    const w = this.drained;
    this.drained = null;
    w?.();
    if (this.busy) this.updateReading();
    else this.next();
  }

  /** The client went away (or is cut): cancels what it was waiting for. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sh.clients.delete(this);
    this.reader?.cancel().catch(() => {});
    this.reader = null;
    const w = this.drained;
    this.drained = null;
    w?.();
    this.endBody({ status: 499, error: 'client_closed', message: 'client closed during the request body' });
    this.tunnel?.close();
    this.socket.end();
  }

  /** Marks the connection closed and ends it once the bytes queued for it are written. */
  endAfterWrite(): void {
    this.closed = true;
    this.sh.clients.delete(this);
    this.endBody({ status: 499, error: 'client_closed', message: 'connection closed' });
    if (!this.out.empty) this.endWhenDrained = true;
    else this.socket.end();
  }

  /** Bytes this connection holds: input, a buffered request body, unsent answer bytes. */
  buffered(): number {
    const b = this.body;
    return (this.buf?.byteLength ?? 0) + this.out.queued + (b && !b.stream ? b.received : 0);
  }

  takeBuffered(): Uint8Array | null {
    const b = this.buf;
    this.buf = null;
    return b;
  }

  unavailable(): void {
    this.tunnel = null;
    this.writeAll(errorAnswer(502, 'bad_gateway', 'internal front end unavailable'), true, 'GET', false);
    this.endAfterWrite();
  }

  send(data: Uint8Array, copy: boolean): boolean {
    if (this.closed) return true;
    return this.out.write(this.socket, data, copy);
  }

  /** Handles the complete requests in `buf` while free (answers given synchronously loop here). */
  private next(): void {
    while (!this.busy && !this.closed && !this.tunnel && this.buf) {
      // Back-pressure: the next request waits until the previous answer is written.
      if (!this.out.empty) break;
      const buf = this.buf;
      let head: RequestHead | null;
      try {
        head = parseRequestHead(buf, this.parsed);
      } catch (err) {
        const e = err as BadRequestHead;
        this.writeAll(errorAnswer(e.status ?? 400, 'bad_request', e.message), false, 'GET', false);
        this.endAfterWrite();
        return;
      }
      if (!head) break;
      this.parsed = head;
      if (this.tunnelled(buf, head)) {
        this.tunnel = new Tunnel(this, this.sh.d.tunnels);
        this.socket.timeout(0); // the fallback front keeps its own idle timeout
        this.tunnel.open(this.sh.d.fallbackPort, this.sh.d.log);
        return;
      }
      this.begin(buf, head);
    }
    this.updateReading();
  }

  /** True for what the raw path leaves to the full front: upgrades, non-origin targets, control paths. */
  private tunnelled(buf: Uint8Array, h: RequestHead): boolean {
    if (h.target.charCodeAt(0) !== 47) return true;
    if (h.special && headerValue(buf, h, 'upgrade') !== undefined) return true;
    const q = h.target.indexOf('?');
    return this.sh.d.controlPaths.has(q < 0 ? h.target : h.target.slice(0, q));
  }

  /** Starts answering request `h` parsed from `buf`: forwards it now, or once its body is read. */
  private begin(buf: Uint8Array, h: RequestHead): void {
    const d = this.sh.d;
    this.busy = true;
    this.cur = h;
    this.fault = null;
    this.keepAlive = h.keepAlive && !this.sh.stopping;
    // Bun's socket timeout is a deadline, not reset by traffic: restart it for each exchange.
    this.socket.timeout(d.idleTimeoutS);
    const f = this.fwd;
    f.method = h.method;
    f.target = h.target;
    f.hasHost = h.host >= 0;
    const hasBody = h.transferEncoding || h.contentLength > 0;
    if (!hasBody) {
      this.buf = h.bodyStart < buf.byteLength ? buf.subarray(h.bodyStart) : null;
      if (d.draining()) return this.refuse(503, 'shutting_down', 'the balancer is stopping');
      f.body = undefined;
      f.rawHead = splicedRequestHead(buf, h, this.ip, 'http', this.prefix) ?? undefined;
      f.head = f.rawHead ? '' : forwardedHead(headerFields(buf, h), this.ip, 'http');
      this.headBytes = buf; // valid during the synchronous `forward` call only
      this.dispatch();
      return;
    }
    const problem = bodyProblem(buf, h);
    if (problem) {
      this.keepAlive = false;
      return this.refuse(problem.status, problem.error, problem.message);
    }
    if (d.draining()) {
      this.keepAlive = false;
      return this.refuse(503, 'shutting_down', 'the balancer is stopping');
    }
    f.rawHead = undefined;
    f.head = forwardedHead(headerFields(buf, h), this.ip, 'http');
    this.headBytes = buf.slice(0, h.bodyStart); // `fwd.header` when the body is complete
    this.buf = h.bodyStart < buf.byteLength ? buf.subarray(h.bodyStart) : null;
    if (h.special && h.http11 && !this.buf) this.send(CONTINUE, false); // Expect: 100-continue
    this.body = new RequestBody(h.transferEncoding ? -1 : h.contentLength, this.sh.maxBody, this.onBodyPull);
    this.bodyAt = performance.now();
    this.socket.timeout(0); // the client-body timeout watches the body instead
    watchBody(this.sh, this);
    if (this.body.stream) {
      f.body = this.body.stream;
      this.dispatch();
    }
    this.feedBody();
  }

  /** Answers `cur` with the balancer's own error (nothing was forwarded). */
  private refuse(status: number, error: string, message: string): void {
    const h = this.cur as RequestHead;
    this.writeAll(errorAnswer(status, error, message), h.http11, h.method, this.keepAlive);
    this.finish(this.keepAlive);
  }

  /** Feeds `buf` to the request body; forwards the request once it is whole or streams. */
  private feedBody(): void {
    const b = this.body;
    const data = this.buf;
    if (!b || b.done || b.failed || !data) return;
    this.bodyAt = performance.now();
    let used: number;
    try {
      used = b.push(data);
    } catch (err) {
      this.bodyFault({ status: 400, error: 'bad_request', message: (err as Error).message });
      return;
    }
    this.buf = used < data.byteLength ? data.subarray(used) : null;
    if (b.stream && !this.dispatched) {
      this.fwd.body = b.stream;
      this.dispatch();
    }
    if (b.done) {
      this.sh.reading.delete(this);
      this.socket.timeout(this.sh.d.idleTimeoutS);
      if (!this.dispatched) {
        this.fwd.body = b.bytes();
        this.dispatch();
      }
    }
  }

  private dispatch(): void {
    const head = this.cur;
    this.dispatched = true;
    this.inForward = true;
    try {
      this.sh.d.forward(this.fwd, this.onAnswer);
    } catch (err) {
      this.sh.d.log.error({ err: String(err) }, 'forward failed');
      if (this.cur === head) this.answer(errorAnswer(502, 'bad_gateway', 'internal error'));
    } finally {
      this.inForward = false;
      this.headBytes = null;
    }
  }

  /** The request body went `clientBodyTimeoutMs` without a byte. */
  bodyTimedOut(): void {
    this.bodyFault({
      status: 408,
      error: 'client_body_timeout',
      message: `no request body bytes for ${this.sh.bodyTimeoutMs} ms`,
    });
  }

  /** The client failed its body: answered here when nothing was forwarded, else by the forwarder. */
  private bodyFault(f: ClientFault): void {
    this.sh.reading.delete(this);
    this.keepAlive = false;
    if (!this.dispatched) {
      this.body = null;
      return this.refuse(f.status, f.error, f.message);
    }
    this.endBody(f); // the upstream try fails; the forwarder answers `f` (`fwd.clientFault`)
    if (!this.cur) this.close(); // the answer is already going out: cut it
  }

  /** Ends an unfinished request body with fault `f` (a streamed one errors its stream). */
  private endBody(f: ClientFault): void {
    const b = this.body;
    if (!b || b.done) return;
    this.sh.reading.delete(this);
    this.fault ??= f;
    b.fail(new Error(f.message));
  }

  /** The forwarder's answer to `cur`: written back (as received when it is `raw`). */
  private answer(a: ForwardAnswer): void {
    const h = this.cur;
    if (!h || this.closed) {
      if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {});
      if (h) this.finish(false);
      return;
    }
    this.cur = null;
    const keep = this.keepAlive && (this.body === null || this.body.done);
    if (a.raw) {
      // As the upstream sent it; only a `connection` line is added when the client does not keep
      // HTTP/1.1 keep-alive.
      const out = h.http11 && keep ? a.raw : rawWithConnection(a.raw, keep);
      if (out) {
        this.send(out, out === a.raw);
        this.finish(keep);
        return;
      }
    }
    const kept = a.raw ? detach(a) : a;
    if (kept.body instanceof ReadableStream && h.method !== 'HEAD' && !noBody(kept.status))
      void this.stream(h, kept, keep);
    else {
      this.writeAll(kept, h.http11, h.method, keep);
      this.finish(keep);
    }
  }

  /** Writes a whole answer whose body is bytes or none (a stream body is cancelled). */
  private writeAll(a: ForwardAnswer, http11: boolean, method: string, keepAlive: boolean): void {
    if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {});
    for (const part of replyBytes(a, http11, method, keepAlive)) this.send(part, false);
  }

  /** Streams a response body (chunked for HTTP/1.1, until close for HTTP/1.0) with back-pressure. */
  private async stream(h: RequestHead, a: ForwardAnswer, keep: boolean): Promise<void> {
    const keepAlive = keep && h.http11;
    const sse = isEventStream(a.headers);
    this.send(streamHead(a, h.http11, keepAlive), false);
    const reader = (a.body as ReadableStream<Uint8Array>).getReader();
    this.reader = reader;
    if (sse) this.socket.timeout(0);
    let ok = true;
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (this.closed) return;
        if (end) break;
        if (value.byteLength === 0) continue;
        this.send(h.http11 ? chunkFrame(value) : value, false);
        if (!sse) this.socket.timeout(this.sh.d.idleTimeoutS); // body traffic is activity
        if (!this.out.empty) await new Promise<void>((r) => (this.drained = r));
      }
      if (h.http11) this.send(LAST_CHUNK, false);
    } catch {
      ok = false; // the upstream failed mid-body: the client sees the connection close
    } finally {
      this.reader = null;
    }
    if (this.closed) return;
    if (sse) this.socket.timeout(this.sh.d.idleTimeoutS);
    this.finish(ok && keepAlive);
  }

  /** After an answer: the next request on a kept connection, or close. */
  private finish(keepAlive: boolean): void {
    this.busy = false;
    this.cur = null;
    this.dispatched = false;
    let keep = keepAlive;
    if (this.body) {
      if (!this.body.done) {
        keep = false; // answered before the request body ended: the rest cannot be skipped safely
        this.endBody({ status: 499, error: 'client_closed', message: 'answered before the body ended' });
      }
      this.body = null;
    }
    if (this.closed) return;
    if (!keep || this.sh.stopping) {
      this.endAfterWrite();
      return;
    }
    this.socket.timeout(this.sh.d.idleTimeoutS); // the idle wait for the next request starts now
    if (!this.inForward) this.next();
  }

  /** Pauses or resumes reading: only while the client reads its answers and input is bounded. */
  private updateReading(): void {
    if (this.tunnel || this.closed) return;
    const want =
      this.out.empty && (this.buf?.byteLength ?? 0) < MAX_BUFFERED_INPUT && !(this.body?.full ?? false);
    if (want === this.reading) return;
    this.reading = want;
    if (want) this.socket.resume();
    else this.socket.pause();
  }
}

/**
 * Why a request's body framing is refused (RFC 9112 §6.1, §6.3), or null: Transfer-Encoding with
 * Content-Length, a last coding other than `chunked`, or Transfer-Encoding in HTTP/1.0 (HAProxy
 * answers all three 400); an `Expect` other than `100-continue` gets 417 (RFC 9110 §10.1.1).
 */
function bodyProblem(
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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
