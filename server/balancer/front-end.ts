/**
 * The balancer's raw HTTP/1.1 front end (`Bun.listen`): it reads each client request head itself
 * and, for the plain case — origin-form target outside the control paths, no request body, no
 * `Upgrade`/`Expect` — forwards it through the shared forwarder and writes the answer back on the
 * socket. On the common path no header is parsed into strings twice: the upstream request head is
 * spliced from the client's bytes (`splicedRequestHead`), and a clean upstream response (`raw`) is
 * written to the client as received, from inside the upstream socket's data event. Otherwise the
 * answer is re-serialised (one write for a small response; a streamed body goes out chunked, with
 * back-pressure, and SSE turns the idle timeout off). `Bun.serve` with a `Request`/`Response` per
 * exchange cost about a third of the balancer's CPU (profile); this path skips both. Every other
 * request — control API, WebSocket upgrades, request bodies, absolute targets — switches its
 * connection, for the rest of its life, to a byte tunnel into the full `Bun.serve` front on a
 * loopback port, so all of its behaviour stays in one place; `tunnels` maps each tunnel's local
 * port to the real client address for that server's `X-Forwarded-For`. Requests on one connection
 * are answered in order (pipelining).
 */
import { STATUS_CODES } from 'node:http';
import type { Server, Socket, TCPSocketListener } from 'bun';
import type { Logger } from '../shared/logger.ts';
import {
  forwardedHead,
  forwardedPrefix,
  oneShotRequest,
  originFormRequest,
  splicedRequestHead,
  withConnectionClose,
} from './headers.ts';
import type { ForwardAnswer, Forwarder, ForwardRequest, ProxyPeer } from './proxy.ts';
import { errorAnswer } from './proxy.ts';
import {
  BadRequestHead,
  headerFields,
  headerValue,
  parseRequestHead,
  type RequestHead,
} from './request-head.ts';
import { detach } from './upstream-client.ts';

/** Dependencies of the raw front end. */
export interface FrontEndDeps {
  host: string;
  /** Port to listen on (0 = ephemeral). */
  port: number;
  /** Port of the full `Bun.serve` front on 127.0.0.1 that other requests are tunnelled to. */
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
}

/** A running front end. */
export interface FrontEnd {
  port: number;
  /** Stops accepting; closes idle connections (`force`: every connection). */
  stop(force: boolean): void;
}

interface Client {
  socket: Socket<Client>;
  ip: string;
  /** Received bytes not handled yet. */
  buf: Uint8Array | null;
  /** A request is being answered; later bytes wait in `buf`. */
  busy: boolean;
  closed: boolean;
  /** End the socket once `pending` is written. */
  endWhenDrained: boolean;
  /** Bytes the socket did not take yet. */
  pending: Uint8Array[];
  drained: (() => void) | null;
  /** Set once the connection is tunnelled to the fallback front. */
  tunnel: Tunnel | null;
  /** A response body being streamed (cancelled when the client goes away). */
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  /** The request being answered, and whether its connection stays open after it. */
  cur: RequestHead | null;
  /** The connection's parsed head, reused for each of its requests (one is answered at a time). */
  parsed: RequestHead | undefined;
  /** The bytes `cur` was parsed from, while `d.forward` runs (for `fwd.header`); null otherwise. */
  curBuf: Uint8Array | null;
  /** `forwardedPrefix` of this connection. */
  prefix: Uint8Array;
  keepAlive: boolean;
  /** Inside `d.forward`: an answer given synchronously is handled by `next`'s loop, not recursion. */
  inForward: boolean;
  /** The forward request, reused for each request of the connection (one at a time). */
  fwd: ForwardRequest;
  /** Receives the forwarder's answer for `cur` (made once per connection). */
  onAnswer: (a: ForwardAnswer) => void;
}

interface Tunnel {
  client: Client;
  socket: Socket<Tunnel> | null;
  pending: Uint8Array[];
  port: number;
  /** 0: a plain tunnel; 1: one control request only, the full front closes after it; 2: its answer began. */
  once: 0 | 1 | 2;
}

const EMPTY = new Uint8Array(0);

/** Client buffer size (bytes) past which a busy connection stops reading (pipelining flood). */
const MAX_BUFFERED = 1024 * 1024;
const SMALL_RESPONSE_BYTES = 64 * 1024;

/** Starts the raw front end. @throws when the port cannot be bound. */
export function startFrontEnd(d: FrontEndDeps): FrontEnd {
  const clients = new Set<Client>();
  let stopping = false;

  const tunnelHandlers = {
    binaryType: 'uint8array' as const,
    data(t: Socket<Tunnel>, data: Uint8Array) {
      const c = t.data.client;
      if (c.closed) return;
      if (t.data.once === 1) {
        t.data.once = 2;
        data = withConnectionClose(data); // the client must not reuse a connection about to close
      }
      if (!send(c, data, true)) t.pause();
    },
    drain(t: Socket<Tunnel>) {
      const tun = t.data;
      if (flushTo(t, tun.pending)) tun.client.socket.resume();
    },
    close(t: Socket<Tunnel>) {
      closeTunnel(t.data);
    },
    end(t: Socket<Tunnel>) {
      closeTunnel(t.data);
    },
    error(t: Socket<Tunnel>) {
      closeTunnel(t.data);
    },
    connectError() {},
  };

  const listener: TCPSocketListener<Client> = Bun.listen<Client>({
    hostname: d.host,
    port: d.port,
    socket: {
      binaryType: 'uint8array',
      open(s) {
        const c = newClient(s);
        s.data = c;
        clients.add(c);
        s.setNoDelay?.(true);
        s.timeout(d.idleTimeoutS);
      },
      data(s, data) {
        const c = s.data;
        if (c.closed) return;
        if (c.tunnel) {
          if (c.tunnel.once) return;
          if (c.tunnel.socket) {
            if (!writeTo(c.tunnel.socket, c.tunnel.pending, data)) s.pause();
          } else c.buf = c.buf ? concat(c.buf, data) : data.slice();
          return;
        }
        c.buf = c.buf ? concat(c.buf, data) : data;
        if (c.busy) {
          if (c.buf === data) c.buf = data.slice();
          if (c.buf.byteLength > MAX_BUFFERED) s.pause();
          return;
        }
        next(c);
        // Keep no view of Bun's receive buffer past this callback.
        if (c.buf && c.buf.buffer === data.buffer) c.buf = c.buf.slice();
      },
      drain(s) {
        const c = s.data;
        if (!flushTo(s, c.pending)) return;
        if (c.endWhenDrained) {
          s.end();
          return;
        }
        c.tunnel?.socket?.resume();
        const w = c.drained;
        c.drained = null;
        w?.();
      },
      timeout(s) {
        if (!s.data.tunnel) s.end();
      },
      close(s) {
        closeClient(s.data);
      },
      end(s) {
        closeClient(s.data);
      },
      error(s) {
        closeClient(s.data);
      },
    },
  });

  function closeClient(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    clients.delete(c);
    c.reader?.cancel().catch(() => {});
    c.reader = null;
    const w = c.drained;
    c.drained = null;
    w?.();
    if (c.tunnel) closeTunnel(c.tunnel);
    c.socket.end();
  }

  /** Marks `c` closed and ends its socket once the bytes queued for it are written. */
  function endClient(c: Client): void {
    c.closed = true;
    clients.delete(c);
    if (c.pending.length > 0) c.endWhenDrained = true;
    else c.socket.end();
  }

  function closeTunnel(t: Tunnel): void {
    if (t.port) d.tunnels.delete(t.port);
    t.port = 0;
    t.socket?.end();
    if (!t.client.closed) endClient(t.client); // what the fallback sent reaches the client first
  }

  function newClient(s: Socket<Client>): Client {
    const c: Client = {
      socket: s,
      ip: s.remoteAddress ?? '',
      buf: null,
      busy: false,
      closed: false,
      endWhenDrained: false,
      pending: [],
      drained: null,
      tunnel: null,
      reader: null,
      cur: null,
      parsed: undefined,
      curBuf: null,
      prefix: EMPTY,
      keepAlive: false,
      inForward: false,
      fwd: {
        method: '',
        target: '',
        head: '',
        hasHost: false,
        body: undefined,
        clientIp: '',
        header: (name) => (c.cur && c.curBuf ? headerValue(c.curBuf, c.cur, name) : undefined),
        aborted: () => c.closed,
        // Interim 1xx answers go on to HTTP/1.1 clients only (RFC 9110 §15.2), before the final one.
        onInformational: (h) => {
          if (c.cur?.http11) send(c, h, true);
        },
        relayChunked: false,
      },
      onAnswer: (a) => answer(c, a),
    };
    c.fwd.clientIp = c.ip;
    c.prefix = forwardedPrefix(c.ip, 'http');
    return c;
  }

  /** Handles the complete requests in `c.buf` while `c` is free (answers given synchronously loop here). */
  function next(c: Client): void {
    while (!c.busy && !c.closed && c.buf) {
      const buf = c.buf;
      let head: RequestHead | null;
      let once: Uint8Array | null = null;
      try {
        head = parseRequestHead(buf, c.parsed);
        // A control request goes through the full front once, then the connection closes.
        if (head && isControl(head) && !(once = oneShotRequest(buf, head))) return;
      } catch (err) {
        const e = err as BadRequestHead;
        const a = errorAnswer(e.status ?? 400, e.code ?? 'bad_request', e.message);
        if (e.headers?.length) a.headers = [...a.headers, ...e.headers];
        reply(c, false, a, 'GET', false);
        endClient(c);
        return;
      }
      if (!head) return;
      c.parsed = head;
      if (!fastPath(head)) {
        tunnel(c, once);
        return;
      }
      const used = head.bodyStart + Math.max(0, head.contentLength);
      c.buf = used < buf.byteLength ? buf.subarray(used) : null;
      c.busy = true;
      // Bun's socket timeout is a deadline, not reset by traffic: restart it for each exchange.
      c.socket.timeout(d.idleTimeoutS);
      if (c.buf && c.buf.byteLength <= MAX_BUFFERED) c.socket.resume();
      if (d.draining()) {
        const a = errorAnswer(503, 'shutting_down', 'the balancer is stopping');
        done(c, reply(c, head.http11, a, head.method, false));
        return;
      }
      c.cur = head;
      c.keepAlive = head.keepAlive && !stopping;
      const f = c.fwd;
      f.method = head.method;
      f.target = head.target;
      f.rawHead = splicedRequestHead(buf, head, c.ip, 'http', c.prefix) ?? undefined;
      f.hasHost = head.host >= 0 || head.authority !== '';
      f.relayChunked = head.http11;
      f.head = f.rawHead ? '' : forwardedHead(headerFields(buf, head), c.ip, 'http');
      c.inForward = true;
      c.curBuf = buf; // `fwd.header` reads it during the call only: it may be Bun's receive buffer
      try {
        d.forward(f, c.onAnswer);
      } catch (err) {
        d.log.error({ err: String(err) }, 'forward failed');
        if (c.cur === head) answer(c, errorAnswer(502, 'bad_gateway', 'internal error'));
      } finally {
        c.inForward = false;
        c.curBuf = null;
      }
    }
  }

  /** The forwarder's answer to `c.cur`: written back (as received when it is `raw` and fits). */
  function answer(c: Client, a: ForwardAnswer): void {
    const h = c.cur;
    if (!h) return; // answered already
    c.cur = null;
    if (c.closed) {
      if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {});
      c.busy = false;
      return;
    }
    if (a.raw && h.http11 && c.keepAlive) {
      // HTTP/1.1 to HTTP/1.1, both kept open, nothing to rewrite: the upstream's bytes as they came.
      send(c, a.raw, true);
      done(c, true);
      return;
    }
    const kept = a.raw ? detach(a) : a;
    if (kept.body instanceof ReadableStream && h.method !== 'HEAD' && !noBody(kept.status))
      void stream(c, h, kept, c.keepAlive);
    else done(c, reply(c, h.http11, kept, h.method, c.keepAlive));
  }

  function fastPath(h: RequestHead): boolean {
    if (h.transferEncoding || h.contentLength > 0 || h.special || h.target.charCodeAt(0) !== 47) return false;
    return !isControl(h);
  }

  function isControl(h: RequestHead): boolean {
    const q = h.target.indexOf('?');
    return d.controlPaths.has(q < 0 ? h.target : h.target.slice(0, q));
  }

  /** After a response: next request on a kept connection, or close. */
  function done(c: Client, keepAlive: boolean): void {
    c.busy = false;
    if (c.closed) return;
    if (!keepAlive || stopping) {
      endClient(c);
      return;
    }
    c.socket.timeout(d.idleTimeoutS); // the idle wait for the next request starts now
    if (!c.inForward) next(c);
  }

  /** Writes a whole answer whose body is bytes or none; returns whether the connection stays. */
  function reply(c: Client, http11: boolean, a: ForwardAnswer, method: string, keepAlive: boolean): boolean {
    if (a.body instanceof ReadableStream) a.body.cancel().catch(() => {}); // HEAD or a bodiless status
    const body = a.body instanceof Uint8Array && method !== 'HEAD' && !noBody(a.status) ? a.body : null;
    let head = statusLine(a) + headerLines(a.headers);
    if (!noBody(a.status) && method !== 'HEAD') head += `content-length: ${body ? body.byteLength : 0}\r\n`;
    head += connectionLine(http11, keepAlive);
    const headLen = head.length; // latin1: one byte per char
    if (body && body.byteLength <= SMALL_RESPONSE_BYTES) {
      const out = Buffer.allocUnsafe(headLen + body.byteLength);
      out.write(head, 0, 'latin1');
      out.set(body, headLen);
      send(c, out, false);
    } else {
      send(c, Buffer.from(head, 'latin1'), false);
      if (body) send(c, body, false);
    }
    return keepAlive;
  }

  /** Streams a response body (chunked for HTTP/1.1, until close for HTTP/1.0) with back-pressure. */
  async function stream(c: Client, h: RequestHead, a: ForwardAnswer, keep: boolean): Promise<void> {
    const keepAlive = keep && h.http11;
    const sse = a.headers.some(([k, v]) => k === 'content-type' && v.startsWith('text/event-stream'));
    // A body of known length goes on as its bytes; a chunked one framed as received (`framed`).
    const length = a.contentLength ?? -1;
    const asIs = a.framed === true || length >= 0;
    let head = statusLine(a) + headerLines(a.headers);
    if (length >= 0) head += `content-length: ${length}\r\n`;
    else if (h.http11) head += 'transfer-encoding: chunked\r\n';
    head += connectionLine(h.http11, keepAlive);
    send(c, Buffer.from(head, 'latin1'), false);
    const reader = (a.body as ReadableStream<Uint8Array>).getReader();
    c.reader = reader;
    if (sse) c.socket.timeout(0);
    let ok = true;
    try {
      for (;;) {
        const { done: end, value } = await reader.read();
        if (c.closed) return;
        if (end) break;
        if (value.byteLength === 0) continue;
        if (asIs) send(c, value, false);
        else if (h.http11) {
          const size = `${value.byteLength.toString(16)}\r\n`;
          const out = Buffer.allocUnsafe(size.length + value.byteLength + 2);
          out.write(size, 0, 'latin1');
          out.set(value, size.length);
          out.write('\r\n', size.length + value.byteLength, 'latin1');
          send(c, out, false);
        } else send(c, value, false);
        if (!sse) c.socket.timeout(d.idleTimeoutS); // body traffic is activity
        if (c.pending.length > 0) await new Promise<void>((r) => (c.drained = r));
      }
      if (h.http11 && !asIs) send(c, Buffer.from('0\r\n\r\n', 'latin1'), false);
    } catch {
      ok = false; // the upstream failed mid-body: the client sees the connection close
    } finally {
      c.reader = null;
    }
    if (c.closed) return;
    if (sse) c.socket.timeout(d.idleTimeoutS);
    done(c, ok && keepAlive);
  }

  /**
   * Switches `c` to a tunnel into the fallback front; its buffered bytes go first. With `once` (a
   * control request from `oneShotRequest`) only those bytes go, and later client bytes are dropped.
   */
  function tunnel(c: Client, once: Uint8Array | null): void {
    const t: Tunnel = { client: c, socket: null, pending: [], port: 0, once: once ? 1 : 0 };
    if (once) c.buf = once;
    c.tunnel = t;
    c.socket.timeout(0); // the fallback front keeps its own idle timeout
    Bun.connect<Tunnel>({
      hostname: '127.0.0.1',
      port: d.fallbackPort,
      data: t,
      socket: tunnelHandlers,
    }).then(
      (s) => {
        if (c.closed) {
          s.end();
          return;
        }
        t.socket = s;
        t.port = s.localPort;
        d.tunnels.set(t.port, c.ip);
        s.setNoDelay?.(true);
        // Bun.serve would route an absolute-form request by the client's Host: rewrite its head.
        const b = c.buf && c.parsed && !t.once ? originFormRequest(c.buf, c.parsed) : c.buf;
        c.buf = null;
        if (b && !writeTo(s, t.pending, b)) c.socket.pause();
      },
      (err: unknown) => {
        d.log.error({ err: String(err) }, 'tunnel to the full front end failed');
        t.port = 0;
        c.tunnel = null;
        reply(c, true, errorAnswer(502, 'bad_gateway', 'internal front end unavailable'), 'GET', false);
        endClient(c);
      },
    );
  }

  /**
   * Writes `data` to the client (kept in order behind unsent bytes); false when it had to be queued.
   * `copy`: `data` is Bun's receive buffer, so a queued remainder is copied.
   */
  function send(c: Client, data: Uint8Array, copy: boolean): boolean {
    if (c.closed) return true;
    if (c.pending.length > 0) {
      c.pending.push(copy ? data.slice() : data);
      return false;
    }
    const n = c.socket.write(data);
    if (n >= data.byteLength) return true;
    const rest = data.subarray(Math.max(0, n));
    c.pending.push(copy ? rest.slice() : rest);
    return false;
  }

  return {
    port: listener.port,
    stop(force) {
      stopping = true;
      listener.stop(false);
      for (const c of [...clients]) if (force || (!c.busy && !c.tunnel)) closeClient(c);
    },
  };
}

/** Writes `data` to socket `s` behind `pending`; false when some of it had to be queued (copied). */
function writeTo<T>(s: Socket<T>, pending: Uint8Array[], data: Uint8Array): boolean {
  if (pending.length > 0) {
    pending.push(data.slice());
    return false;
  }
  const n = s.write(data);
  if (n >= data.byteLength) return true;
  pending.push(data.slice(Math.max(0, n)));
  return false;
}

/** Writes queued bytes on drain; true once the queue is empty. */
function flushTo<T>(s: Socket<T>, pending: Uint8Array[]): boolean {
  while (pending.length > 0) {
    const b = pending[0] as Uint8Array;
    const n = s.write(b);
    if (n < b.byteLength) {
      pending[0] = b.subarray(Math.max(0, n));
      return false;
    }
    pending.shift();
  }
  return true;
}

function noBody(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

function statusLine(a: ForwardAnswer): string {
  return `HTTP/1.1 ${a.status} ${a.statusText || STATUS_CODES[a.status] || ''}\r\n`;
}

function headerLines(headers: readonly [string, string][]): string {
  let out = '';
  for (const [k, v] of headers) out += `${k}: ${v}\r\n`;
  return out;
}

function connectionLine(http11: boolean, keepAlive: boolean): string {
  if (!keepAlive) return 'connection: close\r\n\r\n';
  return http11 ? '\r\n' : 'connection: keep-alive\r\n\r\n';
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

/**
 * The proxy's peer for requests the raw front end tunnelled into `srv` (the full `Bun.serve`
 * front): the client address comes from `tunnels` (tunnel local port → real client), not from the
 * loopback tunnel socket.
 */
export function tunnelPeer<T>(srv: Server<T>, tunnels: Map<number, string>): ProxyPeer {
  return {
    requestIP(req) {
      const a = srv.requestIP(req);
      if (!a) return null;
      return { address: tunnels.get(a.port) ?? a.address };
    },
    timeout: (req, seconds) => srv.timeout(req, seconds),
  };
}
