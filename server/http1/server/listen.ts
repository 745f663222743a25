/**
 * The raw HTTP/1.1 front end (`Bun.listen`) of the balancer and the gateway: accepts client
 * connections, each a `Connection` (`connection.ts`) that reads its requests and answers them in
 * order through the shared forwarder, and runs the client-body timeout sweep over the connections
 * reading a request body. Memory per connection is bounded by: the buffered input
 * (`MAX_BUFFERED_INPUT` plus one read), one request body up to the retry buffer (plus the stream's
 * high-water mark of chunks once it streams), and one answer's unsent bytes (a raw answer is at most
 * its 64 KiB head plus one read; a streamed one waits for each chunk to drain).
 */
import type { TCPSocketListener } from 'bun';
import type { Logger } from '../../shared/logger.ts';
import { releaseReceived } from '../bytes.ts';
import { IntrusiveList } from '../intrusive-list.ts';
import { Connection } from './connection.ts';
import type { Forwarder } from './handler.ts';

export { MAX_BUFFERED_INPUT } from './connection.ts';
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

/** Starts the raw front end. @throws when the port cannot be bound. */
export function startFrontEnd(d: FrontEndDeps): FrontEnd {
  const sh: Shared = {
    d,
    maxBody: d.maxRetryBodyBytes ?? 1024 * 1024,
    bodyTimeoutMs: d.clientBodyTimeoutMs ?? 60_000,
    stopping: false,
    clients: new IntrusiveList(),
    readingBodies: 0,
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
      data: (s, data) => {
        s.data.onData(data);
        releaseReceived(data);
      },
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
      for (const c of sh.clients.toArray()) if (force || (!c.busy && !c.tunnel)) c.close();
      if (sh.sweeper) clearInterval(sh.sweeper);
      sh.sweeper = null;
    },
    stats() {
      let bufferedBytes = 0;
      for (let c = sh.clients.first; c; c = c.listNext as Connection | null) bufferedBytes += c.buffered();
      return { connections: sh.clients.size, bufferedBytes };
    },
  };
}

/** The state every connection of one front end shares (sizes in bytes, times in ms). */
export interface Shared {
  d: FrontEndDeps;
  maxBody: number;
  bodyTimeoutMs: number;
  stopping: boolean;
  /** Open connections (not a `Set`: see `intrusive-list.ts`). */
  clients: IntrusiveList<Connection>;
  /** Connections reading a request body (`readingBody`), which the client-body timeout sweep watches. */
  readingBodies: number;
  sweeper: ReturnType<typeof setInterval> | null;
}

/**
 * Marks `c` as reading a request body and starts the client-body timeout sweep when it is not
 * running; the sweep goes over the open connections every quarter of the timeout (10 ms to 1 s) and
 * stops itself once none reads a body.
 */
export function watchBody(sh: Shared, c: Connection): void {
  if (!c.readingBody) {
    c.readingBody = true;
    sh.readingBodies += 1;
  }
  if (sh.sweeper) return;
  const tick = Math.max(10, Math.min(1_000, Math.floor(sh.bodyTimeoutMs / 4)));
  sh.sweeper = setInterval(() => {
    if (sh.readingBodies === 0) {
      if (sh.sweeper) clearInterval(sh.sweeper);
      sh.sweeper = null;
      return;
    }
    const now = performance.now();
    for (let r = sh.clients.first; r; ) {
      const next = r.listNext as Connection | null;
      if (r.readingBody && now - r.bodyAt >= sh.bodyTimeoutMs) r.bodyTimedOut();
      r = next;
    }
  }, tick);
  sh.sweeper.unref?.();
}

/** `c` no longer reads a request body (no-op when it did not). */
export function unwatchBody(sh: Shared, c: Connection): void {
  if (!c.readingBody) return;
  c.readingBody = false;
  sh.readingBodies -= 1;
}
