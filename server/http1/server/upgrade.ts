/**
 * The loopback byte tunnel from a raw front-end connection into the full `Bun.serve` front, for
 * what the raw path does not answer itself: WebSocket upgrades (the connection is a relay after a
 * 101; bytes after the upgrade request wait for its answer, and a refusal closes the connection once
 * written, so later requests are never read by Bun's own parser), `OPTIONS *` and the control API (one request only, with `connection: close`, so the client's
 * next request is read by the strict front end again, not by Bun's parser). The connection's buffered bytes go first; from
 * then on bytes flow both ways with back-pressure on each side. `tunnels` maps the tunnel's local
 * port to the real client address, which the fallback reads for `X-Forwarded-For` (`tunnelPeer`).
 */
import type { Server, Socket } from 'bun';
import type { Logger } from '../../shared/logger.ts';
import { releaseReceived } from '../bytes.ts';
import { headerValue, type RequestHead } from '../request-head.ts';
import { type ResponseScan, scanResponseHead } from '../response-head.ts';
import { OutQueue } from '../socket-writer.ts';
import type { ProxyPeer } from './handler.ts';
import { withConnectionClose } from './tunnel-heads.ts';

/** True for what the raw path leaves to the full front: upgrades and `OPTIONS *` (a target not starting with `/`). */
export function tunnelled(buf: Uint8Array, h: RequestHead): boolean {
  return h.target.charCodeAt(0) !== 47 || (h.special && headerValue(buf, h, 'upgrade') !== undefined);
}

/** True when a tunnelled request is an upgrade (neither a one-shot control request nor `OPTIONS *`). */
export function isUpgrade(once: Uint8Array | null, h: RequestHead): boolean {
  return once === null && h.target.charCodeAt(0) === 47;
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
  /**
   * An upgrade tunnel: `pending` until the full front's first answer, `open` (a relay) after a
   * 101, `refused` after anything else; null for other tunnels.
   */
  upgrade: 'pending' | 'open' | 'refused' | null;
  /** Client bytes after the upgrade request, held until its answer (dropped on a refusal). */
  private held: Uint8Array[] = [];
  /** Bytes of a refusal answer still to come to the client; -1: until the full front closes. */
  private refusalLeft = -1;

  constructor(
    readonly client: TunnelClient,
    private readonly tunnels: Map<number, string>,
    /** Carries one control request (`oneShotRequest`): later client bytes are dropped. */
    readonly once = false,
    /** Bytes of the upgrade request at the start of the client's input (0: not an upgrade). */
    private readonly upgradeBytes = 0,
  ) {
    this.upgrade = upgradeBytes > 0 ? 'pending' : null;
  }

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
        let b = c.takeBuffered();
        if (b && this.upgrade === 'pending' && b.byteLength > this.upgradeBytes) {
          this.held.push(b.slice(this.upgradeBytes));
          b = b.subarray(0, this.upgradeBytes);
        }
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
    if (this.once || !this.socket || this.upgrade === 'refused') return; // connecting: the client buffers
    if (this.upgrade === 'pending') {
      this.held.push(data.slice());
      this.client.socket.pause(); // nothing more until the upgrade is answered
      return;
    }
    if (!this.out.write(this.socket, data, true)) this.client.socket.pause();
  }

  /**
   * The full front's first bytes for an upgrade: after a 101 the held client bytes follow and the
   * tunnel relays; otherwise the refusal goes to the client with `connection: close`, the held
   * bytes are dropped, and the tunnel ends once the answer (by its Content-Length) is through.
   */
  firstAnswer(data: Uint8Array): Uint8Array {
    const s = this.socket as Socket<Tunnel>;
    if (startsWith101(data)) {
      this.upgrade = 'open';
      for (const b of this.held) this.out.write(s, b, false);
      this.held = [];
      this.client.socket.resume();
      return data;
    }
    this.upgrade = 'refused';
    this.held = [];
    let scan: ResponseScan | null = null;
    try {
      scan = scanResponseHead(data);
    } catch {}
    const out = withConnectionClose(data);
    if (scan && !scan.chunked && scan.contentLength >= 0)
      this.refusalLeft = scan.bodyStart + scan.contentLength + (out.byteLength - data.byteLength);
    return out;
  }

  /** Counts refusal bytes sent to the client; true once the whole answer is (then the tunnel ends). */
  refusalSent(n: number): boolean {
    if (this.refusalLeft < 0) return false;
    this.refusalLeft -= n;
    return this.refusalLeft <= 0;
  }

  /** Ends the tunnel; the client ends once what the fallback sent reached it. */
  close(): void {
    if (this.port) this.tunnels.delete(this.port);
    this.port = 0;
    this.socket?.end();
    if (!this.client.closed) this.client.endAfterWrite();
  }
}

const STATUS_101 = Buffer.from('HTTP/1.1 101', 'latin1');

/** True when `data` starts with a `101` status line. */
function startsWith101(data: Uint8Array): boolean {
  if (data.byteLength < STATUS_101.byteLength + 1 || data[STATUS_101.byteLength] !== 32) return false;
  for (let i = 0; i < STATUS_101.byteLength; i++) if (data[i] !== STATUS_101[i]) return false;
  return true;
}

const HANDLERS = {
  binaryType: 'uint8array' as const,
  data(t: Socket<Tunnel>, received: Uint8Array) {
    const c = t.data.client;
    if (c.closed) return;
    let data = received;
    if (t.data.once && !t.data.answered) {
      t.data.answered = true;
      data = withConnectionClose(data); // the client must not reuse a connection about to close
    }
    if (t.data.upgrade === 'pending') data = t.data.firstAnswer(data);
    const n = data.byteLength; // read before the release, which empties `received`
    const sent = c.send(data, true); // what is queued is copied, so `received` can be released
    releaseReceived(received);
    if (t.data.upgrade === 'refused' && t.data.refusalSent(n)) return t.data.close();
    if (!sent) t.pause();
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
