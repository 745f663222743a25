/**
 * WebSocket upgrades through the balancer: a client's `Upgrade: websocket` request is accepted by
 * `Bun.serve` (`server.upgrade`) once a server is picked, and a client `WebSocket` to the same path
 * on that server is opened; messages flow both ways (client messages sent before the upstream opened
 * are queued), and a close on either side closes the other with the same code. The upstream
 * handshake carries the client's end-to-end headers with the X-Forwarded-* set as for any proxied
 * request (`upstreamRequestHeaders`), less the handshake's own (key, version, extensions), which the
 * balancer's WebSocket client makes anew. The server's
 * in-flight count covers the whole session, so a drained server keeps its open sockets until they
 * close.
 */
import type { Server, ServerWebSocket, WebSocketHandler } from 'bun';
import { upstreamRequestHeaders } from '../http1/header-rules.ts';

/** Per-connection state kept on the client socket. */
export interface WsData {
  upstream: string;
  target: string;
  headers: Record<string, string>;
  peer: WebSocket | null;
  queue: (string | Uint8Array)[];
  release: () => void;
}

/** Handshake headers the upstream WebSocket client sets itself. */
const HANDSHAKE = ['sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions'];

/** True when `req` asks for a WebSocket upgrade. */
export function isWebSocketUpgrade(req: Request): boolean {
  return req.headers.get('upgrade')?.toLowerCase() === 'websocket';
}

/**
 * Upgrades `req` to a WebSocket bound to `upstream` (origin URL); `release` is called once when the
 * session ends. Returns false when Bun refused the upgrade (then `release` was already called).
 */
export function upgradeToUpstream(
  req: Request,
  server: Server<WsData>,
  upstream: string,
  target: string,
  clientIp: string,
  release: () => void,
): boolean {
  const forwarded = upstreamRequestHeaders(req.headers, clientIp, 'http');
  for (const h of HANDSHAKE) forwarded.delete(h);
  const headers = Object.fromEntries(forwarded);
  const ok = server.upgrade(req, { data: { upstream, target, headers, peer: null, queue: [], release } });
  if (!ok) release();
  return ok;
}

/** The `websocket` handler of `Bun.serve` relaying every upgraded client to its upstream. */
export function websocketRelay(): WebSocketHandler<WsData> {
  const closeBoth = (ws: ServerWebSocket<WsData>, code: number, reason: string) => {
    const d = ws.data;
    try {
      if (d.peer && d.peer.readyState <= WebSocket.OPEN) d.peer.close(validCode(code), reason);
    } catch {}
    d.release();
    d.release = () => {};
  };
  return {
    open(ws) {
      const d = ws.data;
      const url = `ws${d.upstream.slice(4)}${d.target}`;
      const protocols = d.headers['sec-websocket-protocol']?.split(',').map((s) => s.trim());
      const peer = new WebSocket(url, { headers: d.headers, protocols } as never);
      peer.binaryType = 'arraybuffer';
      d.peer = peer;
      peer.onopen = () => {
        for (const m of d.queue) peer.send(m);
        d.queue = [];
      };
      peer.onmessage = (e) => {
        ws.send(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
      };
      peer.onclose = (e) => {
        try {
          ws.close(validCode(e.code), e.reason);
        } catch {}
      };
      peer.onerror = () => {
        try {
          ws.close(1011, 'upstream websocket failed');
        } catch {}
      };
    },
    message(ws, message) {
      const d = ws.data;
      const m = typeof message === 'string' ? message : new Uint8Array(message);
      if (d.peer?.readyState === WebSocket.OPEN) d.peer.send(m);
      else d.queue.push(m);
    },
    close(ws, code, reason) {
      closeBoth(ws, code, reason);
    },
  };
}

function validCode(code: number): number {
  return code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
}
