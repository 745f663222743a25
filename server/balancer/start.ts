/**
 * Starts one zone balancer, a thin role over `serveProxy` (`server/proxy/serve-proxy.ts`): the zone's
 * pools and strategy, the dead-pool reporter, the control API (Hono) and the leader it follows; the
 * health checker, the raw front end, the forwarder and the WebSocket relay are the proxy server's.
 * Per-server request metrics (`request-metrics.ts`) go to `/metrics` and, each second, onto the
 * metrics bus as `balancer` samples. `stop()` drains: the listeners close, in-flight requests get up
 * to `drainTimeoutMs`.
 */

import { Counter, type Registry } from 'prom-client';
import { HttpMetricsPublisher } from '../adapters/http/metrics-bus-http.ts';
import { REQUESTS_TOPIC } from '../adapters/kafka/topics.ts';
import type { MetricsPublisher } from '../adapters/metrics-bus.ts';
import { openKafkaPublisher } from '../adapters/select.ts';
import type { BalancerConfig } from '../config/roles.ts';
import { createUpstreamClient } from '../http1/client/index.ts';
import { Activator } from '../proxy/activator.ts';
import type { ProxyDeps } from '../proxy/forward-request.ts';
import { parseHashKey } from '../proxy/lb/affinity-key.ts';
import { httpProbeAt, type Probe, tickFor } from '../proxy/lb/health-checker.ts';
import { PinnedUpstreams } from '../proxy/lb/pinned-upstream.ts';
import { Pools } from '../proxy/lb/pools.ts';
import { weightOf, withSlowStart } from '../proxy/lb/strategies/slow-start.ts';
import { createStrategy } from '../proxy/lb/strategy.ts';
import { countTransitions, createBalancerMetrics, poolStatusSetter } from '../proxy/metrics.ts';
import { RequestStats } from '../proxy/request-stats.ts';
import { processRetryBudget } from '../proxy/retry-budget.ts';
import { type ProxyServer, serveProxy } from '../proxy/serve-proxy.ts';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { UpstreamUrl } from '../shared/types.ts';
import { UpstreamAllowList } from '../shared/upstream-allow.ts';
import { activateClient } from './activate-client.ts';
import type { MonitorInfo } from './fencing.ts';
import { startReporter } from './reporter.ts';
import { startRequestMetrics } from './request-metrics.ts';
import { CONTROL_PATHS, createBalancerApi } from './routes.ts';

/** Test and embedding hooks; production uses the defaults. */
export interface BalancerHooks {
  /** Clock, epoch ms (default `Date.now`). */
  now?: () => number;
  /** Random source in [0, 1) (default `Math.random`). */
  rand?: () => number;
  /** Health probe (default `GET <server><cfg.healthPath>`). */
  probe?: Probe;
  /** Consecutive failed live requests that eject a server (outlier detection; default 1). */
  outlierThreshold?: number;
  /** Metrics bus for the request samples (default: Kafka's requests topic, else HTTP to `cfg.collector`, else none). */
  publisher?: MetricsPublisher | null;
}

/** The request samples' bus from the config: Kafka when brokers are set, HTTP when a collector is, else none. */
async function requestPublisher(cfg: BalancerConfig, log: Logger): Promise<MetricsPublisher | null> {
  const id = cfg.id || `${cfg.zone}-balancer`;
  const kafka = await openKafkaPublisher({
    kafkaBrokers: cfg.kafkaBrokers,
    id,
    topic: REQUESTS_TOPIC,
    logger: log,
  });
  if (kafka) return kafka;
  return cfg.collector
    ? new HttpMetricsPublisher({ collector: cfg.collector, token: cfg.token, logger: log })
    : null;
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
  const initial = initialServers(cfg.servers); // a bad --servers is reported before a bad --monitor
  let leader: MonitorInfo = { address: cfg.monitor ? safeOrigin(cfg.monitor) : '', term: 0 };
  const pools = new Pools(
    {
      checkIntervalMs: cfg.checkIntervalMs,
      recheckIntervalMs: cfg.recheckIntervalMs,
      deadAfter: cfg.deadAfter,
      outlierThreshold: hooks.outlierThreshold ?? cfg.outlierThreshold,
    },
    initial,
    now(),
  );
  const metrics = createBalancerMetrics(pools, cfg.zone);
  const requestStats = new RequestStats();
  const serverIds = new Map<string, string>();
  const publisher = hooks.publisher !== undefined ? hooks.publisher : await requestPublisher(cfg, log);
  const requestMetrics = startRequestMetrics({
    zone: cfg.zone,
    stats: requestStats,
    registry: metrics.registry,
    publisher,
    serverIds,
    intervalMs: cfg.sampleIntervalMs,
    now,
    log,
  });
  const slowStart = { windowMs: cfg.slowStartMs, joinedAt: (u: string) => pools.aliveSince(u), now };
  const strategy = withSlowStart(createStrategy(cfg.strategy), slowStart);
  const upstreamAllow = new UpstreamAllowList(cfg.upstreamAllow);
  const probe = hooks.probe ?? httpProbeAt(cfg.healthPath);
  const activator = zoneActivator(cfg, {
    pools,
    probe,
    leader: () => leader.address,
    upstreamAllow,
    registry: metrics.registry,
    now,
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
    upstreamAllow,
    pools,
    leader: { get: () => leader, set: (m) => (leader = m) },
    metrics,
    serverIds,
    now,
    log,
    activation: () => ({
      state: activator.activating ? 'activating' : activator.accepts() ? 'idle' : 'off',
      held: activator.size,
      since: activator.activatingSince(),
    }),
    slowStart: { windowMs: cfg.slowStartMs, weightOf: (u, t) => weightOf(slowStart, u, t) },
  });
  const proxyDeps = zoneProxyDeps(cfg, {
    pools,
    strategy,
    metrics,
    requestStats,
    activator,
    log,
    now,
    rand: hooks.rand ?? Math.random,
  });
  let served: ProxyServer;
  try {
    served = serveProxy({
      role: 'balancer',
      host: cfg.host,
      port: cfg.port,
      proxy: proxyDeps,
      health: {
        setter: poolStatusSetter(pools, metrics, now, (t) =>
          log.info({ upstream: t.url, from: t.from, to: t.to, reason: t.reason }, 'pool transition'),
        ),
        probe,
        timeoutMs: cfg.checkTimeoutMs,
        tickMs: tickFor(cfg.checkIntervalMs, cfg.recheckIntervalMs),
      },
      control: { paths: CONTROL_PATHS, fetch: (req) => app.fetch(req) },
      websockets: true,
      maxRetryBodyBytes: cfg.maxRetryBodyBytes,
      clientBodyTimeoutMs: cfg.clientBodyTimeoutMs,
      now,
      log,
    });
  } catch (err) {
    reporter.stop();
    requestMetrics.stop();
    await publisher?.close();
    throw err;
  }
  const url = served.url;
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
      reporter.stop();
      activator.stop();
      await served.stop(cfg.drainTimeoutMs);
      requestMetrics.stop();
      await publisher?.close();
      log.info({ url, cut: pools.totalInFlight() }, 'balancer stopped');
    },
  };
}

/** What `zoneProxyDeps` takes besides the config: the zone's parts `startBalancer` built. */
type ZoneParts = Pick<
  ProxyDeps,
  'pools' | 'strategy' | 'metrics' | 'requestStats' | 'activator' | 'log' | 'now' | 'rand'
>;

/**
 * The forwarder's dependencies for one zone: the retry and timeout settings of `cfg`, the process's
 * retry budget, the hash key, an upstream client that counts the connections it opens, and `parts`.
 * @throws Error when `cfg.hashKey` is not `header:<name>`, `cookie:<name>` or `client` (`parseHashKey`).
 */
function zoneProxyDeps(cfg: BalancerConfig, parts: ZoneParts): ProxyDeps {
  const { pools, metrics, log } = parts;
  return {
    ...parts,
    zone: cfg.zone,
    tries: cfg.tries,
    tryTimeoutMs: cfg.tryTimeoutMs,
    requestTimeoutMs: cfg.requestTimeoutMs,
    maxRetryBodyBytes: cfg.maxRetryBodyBytes,
    retryBudget: processRetryBudget({ percent: cfg.retryBudgetPercent, windowMs: cfg.retryBudgetWindowMs }),
    hashKey: parseHashKey(cfg.hashKey),
    cpuOf: (u) => pools.cpuOf(u),
    client: createUpstreamClient({
      onConnectionOpened: (upstream) => metrics.upstreamConnectionsOpened.inc({ upstream }),
    }),
    pinned: new PinnedUpstreams(),
    accessLog: cfg.accessLog ? (entry) => log.info(entry, 'access') : undefined,
  };
}

/** The zone's first servers (`--servers`), deduplicated. @throws BadConfig naming one that is not a valid URL. */
function initialServers(servers: readonly string[]): string[] {
  const urls = servers.map((s) => {
    const r = UpstreamUrl.safeParse(s);
    if (!r.success) throw new BadConfig(`--servers: "${s}" ${r.error.issues[0]?.message ?? 'is not a URL'}`);
    return r.data;
  });
  return [...new Set(urls)];
}

/**
 * The zone's activator (as Knative's): while no server is alive it holds requests and asks the
 * leader (`leader()`, '' = none) to start one, then checks the new server with `probe` before
 * releasing them. Its steps are counted in `balancer_activation_requests_total`.
 */
function zoneActivator(
  cfg: BalancerConfig,
  d: {
    pools: Pools;
    probe: Probe;
    leader: () => string;
    upstreamAllow: UpstreamAllowList;
    registry: Registry;
    now: () => number;
    log: Logger;
  },
): Activator {
  const activations = new Counter({
    name: 'balancer_activation_requests_total',
    help: 'Requests through the activator, by step: held, resumed, timeout, overflow, refused.',
    labelNames: ['step'],
    registers: [d.registry],
  });
  return new Activator({
    zone: cfg.zone,
    maxQueue: cfg.activationQueue,
    timeoutMs: cfg.activationTimeoutMs,
    alive: () => d.pools.alive(),
    probe: async (u) => {
      const r = await d.probe(u, cfg.checkTimeoutMs);
      return typeof r === 'boolean' ? r : r.up;
    },
    activate: activateClient({
      zone: cfg.zone,
      token: cfg.token,
      leader: d.leader,
      allows: (u) => d.upstreamAllow.allows(u),
      timeoutMs: cfg.checkTimeoutMs,
    }),
    hasLeader: () => d.leader() !== '',
    now: d.now,
    log: d.log,
    count: (step) => activations.inc({ step }),
  });
}

function safeOrigin(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    throw new BadConfig(`--monitor: "${u}" is not a URL`);
  }
}
