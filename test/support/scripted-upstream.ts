/**
 * Raw-socket HTTP/1.1 helpers for protocol tests: a scripted upstream that answers each request
 * with whatever bytes a test gives it (well-formed or not) and records its connections, and a raw
 * client that sends bytes and reads one response (by `Content-Length`, chunked end or close).
 * Test-only code: nothing here validates what it reads beyond finding where a response ends.
 */
import type { Socket, TCPSocketListener } from 'bun';

const latin1 = new TextDecoder('latin1');

/** One accepted upstream connection. */
export interface ScriptedConn {
  /** 1-based, in accept order. */
  id: number;
  /** Request heads received on it, in order. */
  heads: string[];
  /** `performance.now()` when the peer closed it, or null while open. */
  closedAt: number | null;
  socket: Socket<ScriptedConn>;
}

/** What the scripted upstream sends for a request: bytes, or pieces sent `gapMs` apart (then `close`). */
export type ScriptedReply = string | { parts: string[]; gapMs: number; close?: boolean } | null;

/** A scripted raw upstream on 127.0.0.1. */
export interface ScriptedUpstream {
  origin: string;
  conns: ScriptedConn[];
  stop(): void;
}

/** Starts an upstream that answers each request head with `reply(target, conn)` (null: no answer). */
export function startScriptedUpstream(
  reply: (target: string, conn: ScriptedConn) => ScriptedReply,
): ScriptedUpstream {
  const conns: ScriptedConn[] = [];
  const pending = new Map<ScriptedConn, string>();
  const listener: TCPSocketListener<ScriptedConn> = Bun.listen<ScriptedConn>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(s) {
        s.data = { id: conns.length + 1, heads: [], closedAt: null, socket: s };
        conns.push(s.data);
      },
      async data(s, d) {
        let buf = (pending.get(s.data) ?? '') + latin1.decode(d);
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) break;
          const head = buf.slice(0, end + 4);
          const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
          const bodyLen = cl ? Number(cl[1]) : 0;
          if (buf.length < end + 4 + bodyLen) break;
          buf = buf.slice(end + 4 + bodyLen);
          s.data.heads.push(head);
          const out = reply(head.split(' ')[1] ?? '/', s.data);
          if (out === null) continue;
          if (typeof out === 'string') s.write(out);
          else {
            for (const p of out.parts) {
              s.write(p);
              await Bun.sleep(out.gapMs);
            }
            if (out.close) s.end();
          }
        }
        pending.set(s.data, buf);
      },
      close(s) {
        s.data.closedAt ??= performance.now();
      },
      end(s) {
        s.data.closedAt ??= performance.now();
      },
    },
  });
  return {
    origin: `http://127.0.0.1:${listener.port}`,
    conns,
    stop: () => listener.stop(true),
  };
}

/** One response read by `rawExchange`. */
export interface RawResult {
  /** Everything received, latin1. */
  text: string;
  status: number;
  /** The body (still chunk-framed when chunked). */
  body: string;
  /** The balancer closed the connection. */
  closed: boolean;
  /** ms from sending to the end of the response (or close). */
  ms: number;
}

/**
 * Sends `request` to `port` and reads one response; resolves once it is complete or the connection
 * closes, or after `timeoutMs` with what came. `keepOpen` leaves the socket open (returned).
 */
export function rawExchange(port: number, request: string, timeoutMs = 3_000): Promise<RawResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    let text = '';
    let settled = false;
    const finish = (closed: boolean, s?: Socket<unknown>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const he = text.indexOf('\r\n\r\n');
      s?.end();
      resolve({
        text,
        status: Number(text.slice(9, 12)) || 0,
        body: he < 0 ? '' : text.slice(he + 4),
        closed,
        ms: performance.now() - t0,
      });
    };
    let sock: Socket<unknown> | undefined;
    const timer = setTimeout(() => finish(false, sock), timeoutMs);
    Bun.connect({
      hostname: '127.0.0.1',
      port,
      socket: {
        open(s) {
          sock = s;
          s.write(request);
        },
        data(s, d) {
          text += latin1.decode(d);
          if (complete(text)) finish(false, s);
        },
        close() {
          finish(true);
        },
        end() {
          finish(true);
        },
        error(_s, err) {
          if (!settled) reject(err);
        },
      },
    }).catch(reject);
  });
}

/** True when `text` holds one whole response (framed by Content-Length or a chunked end). */
function complete(all: string): boolean {
  let text = all;
  let he = text.indexOf('\r\n\r\n');
  // Interim (1xx) heads come first: skip them.
  while (he >= 0 && text.charCodeAt(9) === 49) {
    text = text.slice(he + 4);
    he = text.indexOf('\r\n\r\n');
  }
  if (he < 0) return false;
  const head = text.slice(0, he).toLowerCase();
  const status = Number(text.slice(9, 12));
  const body = text.slice(he + 4);
  const cl = /\r\ncontent-length: *(\d+)/.exec(head);
  if (cl) return body.length >= Number(cl[1]);
  if (/\r\ntransfer-encoding: *chunked/.test(head)) return body.endsWith('0\r\n\r\n');
  return status === 204 || status === 304;
}
