/**
 * One proxy server, as the balancer and the gateway both run it: the active health checker over
 * the role's pools, the raw HTTP/1.1 front end on the public port (`http1/server/listen.ts`) with the
 * forwarder behind it, and the full `Bun.serve` front on a loopback port for what the raw front
 * end tunnels (the control API, answered by the role's Hono app; WebSocket upgrades, relayed to a
 * server picked by the strategy when `websockets` is on; absolute-form targets, proxied by
 * `createProxy`). `stop()` drains: both fronts stop accepting, in-flight requests get up to
 * `drainTimeoutMs`, then every connection is cut and the upstream client's idle connections closed.
 */
import type { Server } from 'bun';
import { pathOnly } from '../http1/header-rules.ts';
import type { ProxyPeer } from '../http1/server/handler.ts';
import { startFrontEnd, tunnelPeer } from '../http1/server/listen.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import { createProxy, errorResponse } from './fetch-proxy.ts';
import type { ProxyDeps } from './forward-request.ts';
import { createForwarder } from './forwarder.ts';
import { type Probe, type StatusSetter, startHealthChecker } from './lb/health-checker.ts';
import type { Pools } from './lb/pools.ts';
import { isWebSocketUpgrade, upgradeToUpstream, type WsData, websocketRelay } from './websocket-relay.ts';

/** What a role hands `serveProxy`. Times in ms, sizes in bytes. */
export interface ServeProxyOptions {
  /** `balancer` or `gateway`: named in the 503 while stopping. */
  role: string;
  host: string;
  /** Public port (0 = ephemeral). */
  port: number;
  /** The forwarder's dependencies (its `pools` are the ones health-checked here). */
  proxy: ProxyDeps & { pools: Pools };
  /** Active health checks: result setter, probe (default `GET /health_check`), timeout, tick. */
  health: { setter: StatusSetter; probe?: Probe; timeoutMs: number; tickMs: number };
  /** The control API: its paths (without query) and the Hono app that answers them. */
  control: { paths: ReadonlySet<string>; fetch(req: Request): Response | Promise<Response> };
  /** Relay WebSocket upgrades to a picked server (default false: they are proxied as requests). */
  websockets?: boolean;
  maxRetryBodyBytes: number;
  clientBodyTimeoutMs: number;
  now: () => number;
  log: Logger;
}

/** A running proxy server. */
export interface ProxyServer {
  /** `http://host:port` of the public (raw) front end. */
  url: string;
  /** Stops the checker and drains, then cuts what is left. */
  stop(drainTimeoutMs: number): Promise<void>;
}

/**
 * Starts a proxy server (nothing is left running when it throws).
 * @throws PortInUse / BadConfig (`listening`) when the public port cannot be bound.
 */
export function serveProxy(o: ServeProxyOptions): ProxyServer {
  const pools = o.proxy.pools;
  const checker = startHealthChecker({ due: () => pools.takeDue(o.now()), ...o.health, log: o.log });
  const proxy = createProxy(o.proxy);
  // Long enough for a slow upstream to answer within the try timeout, or for a request held for
  // activation to be served (SSE turns it off), s.
  const waitMs = Math.max(o.proxy.tryTimeoutMs, o.proxy.activator?.timeoutMs ?? 0);
  const idleTimeoutS = Math.min(255, Math.max(10, Math.ceil(waitMs / 1000) + 5));
  // Real client address of each tunnel from the raw front end, by the tunnel's local port.
  const tunnels = new Map<number, string>();
  let peer: ProxyPeer | null = null;
  let draining = false;
  let server: Server<WsData> | undefined;
  let front: ReturnType<typeof startFrontEnd>;
  try {
    server = Bun.serve<WsData>({
      hostname: '127.0.0.1',
      port: 0,
      idleTimeout: idleTimeoutS,
      fetch(req, srv) {
        if (o.control.paths.has(pathOnly(req.url))) return o.control.fetch(req);
        if (draining) return errorResponse(503, 'shutting_down', `the ${o.role} is stopping`);
        peer ??= tunnelPeer(srv, tunnels);
        if (o.websockets && isWebSocketUpgrade(req)) return relay(o.proxy, req, srv, peer);
        return proxy(req, peer);
      },
      websocket: websocketRelay(),
    });
    const fallbackPort = server.port as number;
    front = listening(o, () =>
      startFrontEnd({
        host: o.host,
        port: o.port,
        fallbackPort,
        controlPaths: o.control.paths,
        forward: createForwarder(o.proxy),
        idleTimeoutS,
        draining: () => draining,
        tunnels,
        log: o.log,
        maxRetryBodyBytes: o.maxRetryBodyBytes,
        clientBodyTimeoutMs: o.clientBodyTimeoutMs,
      }),
    );
  } catch (err) {
    server?.stop(true);
    checker.stop();
    throw err;
  }
  const full = server;
  return {
    url: `http://${o.host}:${front.port}`,
    async stop(drainTimeoutMs) {
      checker.stop();
      // Graceful drain: stop accepting, let in-flight requests finish (bounded), then cut the rest.
      draining = true;
      front.stop(false);
      const closing = full.stop(false);
      const until = Date.now() + drainTimeoutMs;
      while (pools.totalInFlight() > 0 && Date.now() < until) await Bun.sleep(10);
      front.stop(true);
      await full.stop(true);
      await closing;
      o.proxy.client?.close();
    },
  };
}

/** Relays a WebSocket upgrade to a server the strategy picks (keyed on the client address). */
function relay(d: ProxyDeps, req: Request, srv: Server<WsData>, peer: ProxyPeer): Response | undefined {
  const alive = d.pools.alive();
  if (alive.length === 0) return errorResponse(503, 'no_available_server', `no alive server in ${d.zone}`);
  const ip = peer.requestIP(req)?.address ?? '';
  const url = d.strategy.pick(alive, {
    zone: d.zone,
    inFlightOf: (u) => d.pools.inFlightOf(u),
    rand: d.rand,
    key: ip,
  });
  d.pools.acquire(url);
  const target = req.url.slice(req.url.indexOf('/', req.url.indexOf('//') + 2));
  if (upgradeToUpstream(req, srv, url, target, ip, () => d.pools.release(url))) return undefined;
  return errorResponse(400, 'bad_upgrade', 'WebSocket upgrade refused');
}
