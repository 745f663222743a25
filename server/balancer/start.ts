/**
 * Starts one zone balancer: the pools, the strategy, the active health checker, the dead-pool
 * reporter, the control API and the proxy. The public port is the raw front end (`front-end.ts`),
 * which answers proxied requests itself (bodies included) through the shared forwarder and tunnels
 * WebSocket upgrades, absolute-form targets and the control API into a full `Bun.serve` front on a
 * loopback port. Its fetch handler checks the control paths first (a Set lookup on the path) and
 * sends only those to Hono; WebSocket upgrades are relayed to a picked server; every other request
 * goes to the proxy. `stop()` drains: the listeners close, in-flight requests get up to
 * `drainTimeoutMs`.
 */
import type { Server } from 'bun';
import type { BalancerConfig } from '../config/roles.ts';
import { startFrontEnd, tunnelPeer } from '../http1/server/listen.ts';
import { createProxy, errorResponse, type ProxyPeer } from '../proxy/fetch-proxy.ts';
import { createForwarder, type ProxyDeps } from '../proxy/forwarder.ts';
import { RetryBudget } from '../proxy/retry-budget.ts';
import {
  isWebSocketUpgrade,
  upgradeToUpstream,
  type WsData,
  websocketRelay,
} from '../proxy/websocket-relay.ts';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { UpstreamUrl } from '../shared/types.ts';
import { parseHashKey } from './affinity-key.ts';
import type { MonitorInfo } from './fencing.ts';
import { pathOnly } from './headers.ts';
import { type Probe, startHealthChecker, tickFor } from './health-checker.ts';
import { countTransitions, createBalancerMetrics } from './metrics.ts';
import { Pools } from './pools.ts';
import { startReporter } from './reporter.ts';
import { CONTROL_PATHS, createBalancerApi } from './routes.ts';
import { createStrategy } from './strategy.ts';
import { createUpstreamClient } from './upstream-client.ts';

/** Test and embedding hooks; production uses the defaults. */
export interface BalancerHooks {
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
  /** Random source in [0, 1) (default `Math.random`). */
  rand?: () => number;
  /** Health probe (default `GET <server>/health_check`). */
  probe?: Probe;
  /** Consecutive failed live requests that eject a server (outlier detection; default 1). */
  outlierThreshold?: number;
}

/**
 * Starts the balancer for `cfg.zone` on `cfg.host:cfg.port` (port 0 = ephemeral) and resolves with
 * its handle; `stop()` stops timers, closes the listener and waits up to `cfg.drainTimeoutMs` for
 * in-flight requests before cutting them.
 * @throws BadConfig when an initial server or the monitor is not a valid URL.
 */
export async function startBalancer(
  cfg: BalancerConfig,
  log: Logger,
  hooks: BalancerHooks = {},
): Promise<RoleHandle> {
  const now = hooks.now ?? Date.now;
  const initial = cfg.servers.map((s) => {
    const r = UpstreamUrl.safeParse(s);
    if (!r.success) throw new BadConfig(`--servers: "${s}" ${r.error.issues[0]?.message ?? 'is not a URL'}`);
    return r.data;
  });
  let leader: MonitorInfo = { address: cfg.monitor ? safeOrigin(cfg.monitor) : '', term: 0 };
  const pools = new Pools(
    {
      checkIntervalMs: cfg.checkIntervalMs,
      recheckIntervalMs: cfg.recheckIntervalMs,
      deadAfter: cfg.deadAfter,
      outlierThreshold: hooks.outlierThreshold ?? cfg.outlierThreshold,
    },
    [...new Set(initial)],
    now(),
  );
  const metrics = createBalancerMetrics(pools, cfg.zone);
  const strategy = createStrategy(cfg.strategy);

  const checker = startHealthChecker({
    due: () => pools.takeDue(now()),
    setter: {
      setStatus(url, up, load) {
        const ts = pools.setStatus(url, up, now(), load);
        countTransitions(metrics, ts);
        for (const t of ts)
          log.info({ upstream: t.url, from: t.from, to: t.to, reason: t.reason }, 'pool transition');
      },
    },
    probe: hooks.probe,
    timeoutMs: cfg.checkTimeoutMs,
    tickMs: tickFor(cfg.checkIntervalMs, cfg.recheckIntervalMs),
    log,
  });
  const reporter = startReporter(
    {
      zone: cfg.zone,
      token: cfg.token,
      dead: () => pools.dead(),
      dropReported: (urls) => {
        const ts = pools.dropReported(urls);
        countTransitions(metrics, ts);
        return ts;
      },
      leader: () => leader.address,
      log,
      timeoutMs: cfg.checkTimeoutMs,
    },
    cfg.reportIntervalMs,
  );

  const app = createBalancerApi({
    zone: cfg.zone,
    strategy: cfg.strategy,
    hashKey: cfg.hashKey,
    token: cfg.token,
    pools,
    leader: { get: () => leader, set: (m) => (leader = m) },
    metrics,
    now,
    log,
  });
  const rand = hooks.rand ?? Math.random;
  const client = createUpstreamClient();
  const proxyDeps: ProxyDeps = {
    zone: cfg.zone,
    pools,
    strategy,
    tries: cfg.tries,
    tryTimeoutMs: cfg.tryTimeoutMs,
    requestTimeoutMs: cfg.requestTimeoutMs,
    maxRetryBodyBytes: cfg.maxRetryBodyBytes,
    retryBudget: new RetryBudget({ percent: cfg.retryBudgetPercent, windowMs: cfg.retryBudgetWindowMs }),
    hashKey: parseHashKey(cfg.hashKey),
    cpuOf: (u) => pools.cpuOf(u),
    metrics,
    log,
    now,
    rand,
    client,
    accessLog: cfg.accessLog ? (entry) => log.info(entry, 'access') : undefined,
  };
  const proxy = createProxy(proxyDeps);
  // Real client address of each tunnel from the raw front end, by the tunnel's local port.
  const tunnels = new Map<number, string>();
  let rawPeer: ProxyPeer | null = null;
  const peer = (srv: Server<WsData>): ProxyPeer => (rawPeer ??= tunnelPeer(srv, tunnels));
  const clientIp = (req: Request, srv: Server<WsData>): string => peer(srv).requestIP(req)?.address ?? '';
  let draining = false;
  const upgrade = (req: Request, srv: Server<WsData>): Response | undefined => {
    const alive = pools.alive();
    if (alive.length === 0)
      return errorResponse(503, 'no_available_server', `no alive server in ${cfg.zone}`);
    const ip = clientIp(req, srv);
    const url = strategy.pick(alive, {
      zone: cfg.zone,
      inFlightOf: (u) => pools.inFlightOf(u),
      rand,
      key: ip,
    });
    pools.acquire(url);
    const target = req.url.slice(req.url.indexOf('/', req.url.indexOf('//') + 2));
    if (upgradeToUpstream(req, srv, url, target, ip, () => pools.release(url))) return undefined;
    return errorResponse(400, 'bad_upgrade', 'WebSocket upgrade refused');
  };

  let server: Server<WsData> | undefined;
  let front: ReturnType<typeof startFrontEnd> | null = null;
  const idleTimeoutS = Math.min(255, Math.max(10, Math.ceil(cfg.tryTimeoutMs / 1000) + 5));
  try {
    server = Bun.serve<WsData>({
      hostname: '127.0.0.1',
      port: 0,
      // Long enough for a slow upstream to answer within tryTimeoutMs; SSE responses disable it per request.
      idleTimeout: idleTimeoutS,
      fetch(req, srv) {
        if (CONTROL_PATHS.has(pathOnly(req.url))) return app.fetch(req);
        if (draining) return errorResponse(503, 'shutting_down', 'the balancer is stopping');
        if (isWebSocketUpgrade(req)) return upgrade(req, srv);
        return proxy(req, peer(srv));
      },
      websocket: websocketRelay(),
    });
    front = startFrontEnd({
      host: cfg.host,
      port: cfg.port,
      fallbackPort: server.port as number,
      controlPaths: CONTROL_PATHS,
      forward: createForwarder(proxyDeps),
      idleTimeoutS,
      draining: () => draining,
      tunnels,
      log,
      maxRetryBodyBytes: cfg.maxRetryBodyBytes,
      clientBodyTimeoutMs: cfg.clientBodyTimeoutMs,
    });
  } catch (err) {
    server?.stop(true);
    checker.stop();
    reporter.stop();
    throw err;
  }
  const url = `http://${cfg.host}:${front ? front.port : server.port}`;
  log.info(
    { url, servers: pools.alive(), strategy: cfg.strategy, monitor: leader.address },
    'balancer listening',
  );

  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      checker.stop();
      reporter.stop();
      // Graceful drain: stop accepting, let in-flight requests finish (bounded), then cut the rest.
      draining = true;
      front?.stop(false);
      const closing = server.stop(false);
      const until = Date.now() + cfg.drainTimeoutMs;
      while (pools.totalInFlight() > 0 && Date.now() < until) await Bun.sleep(10);
      front?.stop(true);
      await server.stop(true);
      await closing;
      client.close();
      log.info({ url, cut: pools.totalInFlight() }, 'balancer stopped');
    },
  };
}

function safeOrigin(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    throw new BadConfig(`--monitor: "${u}" is not a URL`);
  }
}
