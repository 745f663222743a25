/**
 * Starts the gateway (`bun server/main.ts gateway`): one address for users in front of the zone
 * balancers. Each client is routed by consistent hashing (the balancer's hash ring, keyed on the
 * client address or a configured header) to a zone; a zone whose balancer is down, slow, or has no
 * alive server is skipped — learned from polling each balancer's `/health_check` and at once from a
 * failed proxy try or a balancer's own 503 `no_available_server` (`zoneClient`) — and the request goes to the next
 * zone clockwise on the ring, so a client keeps its zone while it is up and fails over to the same
 * next zone every time. The zones come from the leader (`PUT /zones`, term-fenced). The data path is
 * the balancer's — its raw front end and forwarder for every proxied request, `createProxy` behind
 * the tunnelled `Bun.serve` front for the control API and absolute-form targets — over a `Pools` of zone
 * balancers that never declares one dead: an unavailable zone is rechecked until it is back or the
 * leader removes it.
 */

import { pathOnly } from '../balancer/headers.ts';
import { type Probe, startHealthChecker, tickFor } from '../balancer/health-checker.ts';
import { countTransitions } from '../balancer/metrics.ts';
import { Pools } from '../balancer/pools.ts';
import { createConsistentHash } from '../balancer/strategies/consistent-hash.ts';
import { createUpstreamClient } from '../balancer/upstream-client.ts';
import type { GatewayConfig } from '../config/roles.ts';
import { startFrontEnd, tunnelPeer } from '../http1/server/listen.ts';
import { createProxy, errorResponse } from '../proxy/fetch-proxy.ts';
import { createForwarder, type ProxyDeps } from '../proxy/forwarder.ts';
import { BadConfig } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
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

  const checker = startHealthChecker({
    due: () => pools.takeDue(now()),
    setter: {
      setStatus(url, up) {
        const ts = pools.setStatus(url, up, now());
        countTransitions(metrics, ts);
        for (const t of ts)
          if (t.from !== t.to)
            log.info(
              { zone: zoneOf(table, url), balancer: url, to: t.to === 'alive' ? 'available' : 'unavailable' },
              'zone state',
            );
      },
    },
    probe: hooks.probe ?? zoneProbe,
    timeoutMs: cfg.checkTimeoutMs,
    tickMs: tickFor(cfg.checkIntervalMs, cfg.recheckIntervalMs),
    log,
  });

  const app = createGatewayApi({
    token: cfg.token,
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
    client: zoneClient(createUpstreamClient()),
    maxRetryBodyBytes: cfg.maxRetryBodyBytes,
    hashKey: header ? { kind: 'header', name: header } : { kind: 'client' },
  };
  const proxy = createProxy(proxyDeps);

  // Plain requests are answered by the raw front end; the rest is tunnelled into this full front,
  // which learns each tunnel's real client address from `tunnels` (affinity keys on it).
  const tunnels = new Map<number, string>();
  const idleTimeoutS = Math.min(255, Math.max(10, Math.ceil(cfg.tryTimeoutMs / 1000) + 5));
  let stopped = false;
  let server: ReturnType<typeof Bun.serve> | undefined;
  let front: ReturnType<typeof startFrontEnd>;
  try {
    server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      idleTimeout: idleTimeoutS,
      fetch(req, srv) {
        if (GATEWAY_CONTROL_PATHS.has(pathOnly(req.url))) return app.fetch(req);
        if (stopped) return errorResponse(503, 'shutting_down', 'the gateway is stopping');
        return proxy(req, tunnelPeer(srv, tunnels));
      },
    });
    front = startFrontEnd({
      host: cfg.host,
      port: cfg.port,
      fallbackPort: server.port as number,
      controlPaths: GATEWAY_CONTROL_PATHS,
      forward: createForwarder(proxyDeps),
      idleTimeoutS,
      draining: () => stopped,
      tunnels,
      log,
      maxRetryBodyBytes: cfg.maxRetryBodyBytes,
      clientBodyTimeoutMs: cfg.clientBodyTimeoutMs,
    });
  } catch (err) {
    server?.stop(true);
    checker.stop();
    throw new BadConfig(`cannot listen on ${cfg.host}:${cfg.port}: ${(err as Error).message}`);
  }
  const url = `http://${cfg.host}:${front.port}`;
  log.info({ url, zones: table.zones, affinity: header || 'client address' }, 'gateway listening');

  const full = server;
  return {
    url,
    zones: () => table,
    async stop() {
      if (stopped) return;
      stopped = true;
      checker.stop();
      front.stop(true);
      await full.stop(true);
      log.info({ url }, 'gateway stopped');
    },
  };
}
