/**
 * Starts the gateway (`bun server/main.ts gateway`): one address for users in front of the zone
 * balancers. Each client is routed by consistent hashing (the balancer's hash ring, keyed on the
 * client address or a configured header) to a zone; a zone whose balancer is down, slow, or has no
 * alive server is skipped — learned from polling each balancer's `/health_check` and at once from a
 * failed proxy try or a balancer's own 503 `no_available_server` (`zoneClient`) — and the request goes to the next
 * zone clockwise on the ring, so a client keeps its zone while it is up and fails over to the same
 * next zone every time. The zones come from the leader (`PUT /zones`, term-fenced). The data path is
 * the balancer's (`serveProxy`: raw front end, forwarder, health checker, one retry budget per
 * process) over a `Pools` of zone
 * balancers that never declares one dead: an unavailable zone is rechecked until it is back or the
 * leader removes it.
 */

import type { GatewayConfig } from '../config/roles.ts';
import { createUpstreamClient } from '../http1/client/index.ts';
import type { ProxyDeps } from '../proxy/forward-request.ts';
import { type Probe, tickFor } from '../proxy/lb/health-checker.ts';
import { Pools } from '../proxy/lb/pools.ts';
import { createConsistentHash } from '../proxy/lb/strategies/consistent-hash.ts';
import { poolStatusSetter } from '../proxy/metrics.ts';
import { processRetryBudget } from '../proxy/retry-budget.ts';
import { type ProxyServer, serveProxy } from '../proxy/serve-proxy.ts';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { UpstreamAllowList } from '../shared/upstream-allow.ts';
import { createGatewayMetrics } from './metrics.ts';
import { createGatewayApi, GATEWAY_CONTROL_PATHS } from './routes.ts';
import { zoneClient, zoneProbe } from './zone-probe.ts';
import { applyZones, EMPTY_TABLE, parseZoneList, type ZoneTable, zoneOf } from './zone-table.ts';

/** Test hooks. */
export interface GatewayHooks {
  now?: () => number;
  rand?: () => number;
  probe?: Probe;
}

/** The gateway's handle; `zones()` is its current table (tests). */
export interface GatewayHandle extends RoleHandle {
  zones(): ZoneTable;
}

/** A zone is never declared dead by the gateway: it is rechecked until back or removed by the leader. */
const NEVER_DEAD = Number.MAX_SAFE_INTEGER;

/**
 * Starts the gateway on `cfg.host:cfg.port` (0 = ephemeral).
 * @throws BadConfig when `--zones` is malformed or the port cannot be bound.
 */
export async function startGateway(
  cfg: GatewayConfig,
  log: Logger,
  hooks: GatewayHooks = {},
): Promise<GatewayHandle> {
  const now = hooks.now ?? Date.now;
  let table: ZoneTable = EMPTY_TABLE;
  try {
    table = applyZones(EMPTY_TABLE, parseZoneList(cfg.zones), 0).next;
  } catch (err) {
    throw new BadConfig(`--zones: ${(err as Error).message}`);
  }
  const pools = new Pools(
    { checkIntervalMs: cfg.checkIntervalMs, recheckIntervalMs: cfg.recheckIntervalMs, deadAfter: NEVER_DEAD },
    table.zones.map((z) => z.url),
    now(),
  );
  const metrics = createGatewayMetrics(pools, () => table);
  const header = cfg.affinityHeader.toLowerCase();

  const app = createGatewayApi({
    token: cfg.token,
    upstreamAllow: new UpstreamAllowList(cfg.upstreamAllow),
    affinity: header ? `header ${header}` : 'client address',
    table: { get: () => table, set: (t) => (table = t) },
    pools,
    metrics,
    now,
    log,
  });
  const proxyDeps: ProxyDeps = {
    zone: 'any zone',
    pools,
    strategy: createConsistentHash(),
    tries: cfg.tries,
    tryTimeoutMs: cfg.tryTimeoutMs,
    metrics,
    log,
    now,
    rand: hooks.rand ?? Math.random,
    client: zoneClient(
      createUpstreamClient({
        onConnectionOpened: (upstream) => metrics.upstreamConnectionsOpened.inc({ upstream }),
      }),
    ),
    retryBudget: processRetryBudget(),
    maxRetryBodyBytes: cfg.maxRetryBodyBytes,
    hashKey: header ? { kind: 'header', name: header } : { kind: 'client' },
  };
  // A port that cannot be bound throws PortInUse / BadConfig (`listening`): main.ts prints it, exits 2.
  const served: ProxyServer = serveProxy({
    role: 'gateway',
    host: cfg.host,
    port: cfg.port,
    proxy: proxyDeps,
    health: {
      setter: poolStatusSetter(pools, metrics, now, (t) => {
        if (t.from === t.to) return;
        const to = t.to === 'alive' ? 'available' : 'unavailable';
        log.info({ zone: zoneOf(table, t.url), balancer: t.url, to }, 'zone state');
      }),
      probe: hooks.probe ?? zoneProbe,
      timeoutMs: cfg.checkTimeoutMs,
      tickMs: tickFor(cfg.checkIntervalMs, cfg.recheckIntervalMs),
    },
    control: { paths: GATEWAY_CONTROL_PATHS, fetch: (req) => app.fetch(req) },
    maxRetryBodyBytes: cfg.maxRetryBodyBytes,
    clientBodyTimeoutMs: cfg.clientBodyTimeoutMs,
    now,
    log,
  });
  const url = served.url;
  log.info({ url, zones: table.zones, affinity: header || 'client address' }, 'gateway listening');

  let stopped = false;
  return {
    url,
    zones: () => table,
    async stop() {
      if (stopped) return;
      stopped = true;
      await served.stop(0);
      log.info({ url }, 'gateway stopped');
    },
  };
}
