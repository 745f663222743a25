/**
 * Starts one zone balancer: the pools, the strategy, the active health checker, the dead-pool
 * reporter, the control API and the proxy behind one `Bun.serve`. The fetch handler checks the
 * control paths first (a Set lookup on the path) and sends only those to Hono; every other request
 * goes straight to the proxy, keeping the data path lean.
 */
import type { BalancerConfig } from '../config/roles.ts';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { UpstreamUrl } from '../shared/types.ts';
import type { MonitorInfo } from './fencing.ts';
import { pathOnly } from './headers.ts';
import { type Probe, startHealthChecker, tickFor } from './health-checker.ts';
import { countTransitions, createBalancerMetrics } from './metrics.ts';
import { Pools } from './pools.ts';
import { createProxy } from './proxy.ts';
import { startReporter } from './reporter.ts';
import { CONTROL_PATHS, createBalancerApi } from './routes.ts';
import { createStrategy } from './strategy.ts';

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
 * its handle; `stop()` stops timers and closes the listener (in-flight requests are cut).
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
      setStatus(url, up) {
        const ts = pools.setStatus(url, up, now());
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
    token: cfg.token,
    pools,
    leader: { get: () => leader, set: (m) => (leader = m) },
    metrics,
    now,
    log,
  });
  const proxy = createProxy({
    zone: cfg.zone,
    pools,
    strategy,
    tries: cfg.tries,
    tryTimeoutMs: cfg.tryTimeoutMs,
    metrics,
    log,
    now,
    rand: hooks.rand ?? Math.random,
  });

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: cfg.host,
      port: cfg.port,
      // Long enough for a slow upstream to answer within tryTimeoutMs; SSE responses disable it per request.
      idleTimeout: Math.min(255, Math.max(10, Math.ceil(cfg.tryTimeoutMs / 1000) + 5)),
      fetch(req, srv) {
        return CONTROL_PATHS.has(pathOnly(req.url)) ? app.fetch(req) : proxy(req, srv);
      },
    });
  } catch (err) {
    checker.stop();
    reporter.stop();
    throw err;
  }
  const url = `http://${cfg.host}:${server.port}`;
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
      await server.stop(true);
      log.info({ url }, 'balancer stopped');
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
