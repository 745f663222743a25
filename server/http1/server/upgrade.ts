/**
 * The loopback byte tunnel from a raw front-end connection into the full `Bun.serve` front, for
 * what the raw path does not answer itself: WebSocket upgrades (the connection is a relay from then
 * on), `OPTIONS *` and the control API (one request only, with `connection: close`, so the client's
 * next request is read by the strict front end again, not by Bun's parser). The connection's buffered bytes go first; from
 * then on bytes flow both ways with back-pressure on each side. `tunnels` maps the tunnel's local
 * port to the real client address, which the fallback reads for `X-Forwarded-For` (`tunnelPeer`).
 */
import type { Server, Socket } from 'bun';
import { headerValue, type RequestHead } from '../../balancer/request-head.ts';
import { withConnectionClose } from '../../balancer/tunnel-heads.ts';
import type { ProxyPeer } from '../../proxy/fetch-proxy.ts';
import type { Logger } from '../../shared/logger.ts';
import { OutQueue } from '../socket-writer.ts';

/** True for what the raw path leaves to the full front: upgrades and `OPTIONS *` (a target not starting with `/`). */
export function tunnelled(buf: Uint8Array, h: RequestHead): boolean {
  return h.target.charCodeAt(0) !== 47 || (h.special && headerValue(buf, h, 'upgrade') !== undefined);
}

/** True when `h`'s path (query left off) is one of the control API's `controlPaths`. */
export function isControl(h: RequestHead, controlPaths: ReadonlySet<string>): boolean {
  const q = h.target.indexOf('?');
  return controlPaths.has(q < 0 ? h.target : h.target.slice(0, q));
}

/** What a tunnel needs from the client connection it carries. */
export interface TunnelClient {
  readonly socket: Socket<unknown>;
  readonly ip: string;
  readonly closed: boolean;
  /** Takes the bytes received and not handled yet (they go first). */
  takeBuffered(): Uint8Array | null;
  /** Writes to the client; false when it had to queue (the tunnel pauses). */
  send(data: Uint8Array, copy: boolean): boolean;
  /** The tunnel ended: end the client once its queued bytes are written. */
  endAfterWrite(): void;
  /** The fallback could not be reached: answer 502 and close. */
  unavailable(): void;
}

/** One client connection's tunnel into the fallback front. */
export class Tunnel {
  socket: Socket<Tunnel> | null = null;
  readonly out = new OutQueue();
  private port = 0;

  /** A one-shot tunnel (a control request): its answer has begun. */
  answered = false;

  constructor(
    readonly client: TunnelClient,
    private readonly tunnels: Map<number, string>,
    /** Carries one control request (`oneShotRequest`): later client bytes are dropped. */
    readonly once = false,
  ) {}

  /** Connects to the fallback on 127.0.0.1:`fallbackPort`. */
  open(fallbackPort: number, log: Logger): void {
    const c = this.client;
    Bun.connect<Tunnel>({ hostname: '127.0.0.1', port: fallbackPort, data: this, socket: HANDLERS }).then(
      (s) => {
        if (c.closed) {
          s.end();
          return;
        }
        this.socket = s;
        this.port = s.localPort;
        this.tunnels.set(this.port, c.ip);
        s.setNoDelay?.(true);
        const b = c.takeBuffered();
        if (b && !this.out.write(s, b, true)) c.socket.pause();
      },
      (err: unknown) => {
        log.error({ err: String(err) }, 'tunnel to the full front end failed');
        c.unavailable();
      },
    );
  }

  /** Bytes from the client: into the tunnel (the client pauses while it is full). */
  fromClient(data: Uint8Array): void {
    if (this.once || !this.socket) return; // still connecting: the client keeps buffering
    if (!this.out.write(this.socket, data, true)) this.client.socket.pause();
  }

  /** Ends the tunnel; the client ends once what the fallback sent reached it. */
  close(): void {
    if (this.port) this.tunnels.delete(this.port);
    this.port = 0;
    this.socket?.end();
    if (!this.client.closed) this.client.endAfterWrite();
  }
}

const HANDLERS = {
  binaryType: 'uint8array' as const,
  data(t: Socket<Tunnel>, data: Uint8Array) {
    const c = t.data.client;
    if (c.closed) return;
    if (t.data.once && !t.data.answered) {
      t.data.answered = true;
      data = withConnectionClose(data); // the client must not reuse a connection about to close
    }
    if (!c.send(data, true)) t.pause();
  },
  drain(t: Socket<Tunnel>) {
    if (t.data.out.flush(t)) t.data.client.socket.resume();
  },
  close(t: Socket<Tunnel>) {
    t.data.close();
  },
  end(t: Socket<Tunnel>) {
    t.data.close();
  },
  error(t: Socket<Tunnel>) {
    t.data.close();
  },
  connectError() {},
};

/**
 * The proxy's peer for requests tunnelled into `srv` (the full `Bun.serve` front): the client
 * address comes from `tunnels` (tunnel local port → real client), not from the loopback socket.
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
