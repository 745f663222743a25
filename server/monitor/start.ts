/**
 * Starts one monitor replica: opens the registry, runtime and metrics store chosen by the
 * configuration (`adapters/select.ts`: SQLite / local processes by default), serves the HTTP API
 * and dashboard (`api/`), boots the bully election (`election/`), rebuilds the cluster view every
 * second, and while this replica is the leader runs the leader duties (`leader/`, deciding with
 * `autoscale/`) every `periodMs` from the duty loop; it only wires these together. `stop()` stops
 * timers and the HTTP server and closes the stores, but leaves every container running: they belong
 * to the cluster, and the next leader takes them over from the registry.
 */
import type { MonitorConfig } from '../config/roles.ts';
import { type ResolvedService, resolveService } from '../config/service.ts';
import { loadServiceFile } from '../config/service-file.ts';
import { advertisedHost, httpUrl } from '../shared/advertise.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import { originPolicy } from '../shared/origin-guard.ts';
import type { RoleHandle } from '../shared/role.ts';
import { UpstreamAllowList } from '../shared/upstream-allow.ts';
import { cpuHistory, type StateHub } from './api/events-stream.ts';
import { LoadController } from './api/load-controller.ts';
import { dashboardKey } from './api/page-key.ts';
import { createMonitorApi } from './api/routes.ts';
import { buildPolicies, type Policies, policyOf } from './autoscale/policy-config.ts';
import { applyServicePolicy } from './autoscale/service-policy.ts';
import type { Peer } from './election/state.ts';
import type { LeaderConfig } from './leader/context.ts';
import { clusterHub, type Leadership, leadership, type MonitorStores, openStores } from './replica-parts.ts';

/** On stop: the longest wait for the lease release, then for a running leader period, ms. */
export const STOP_RELEASE_MS = 500;
export const STOP_IDLE_MS = 2_000;

/** The leader duties' settings from the monitor's configuration. */
function leaderConfig(
  cfg: MonitorConfig,
  selfUrl: string,
  policies: Policies,
  service: ResolvedService,
): LeaderConfig {
  return {
    service: service.spec,
    selfUrl,
    zones: cfg.zones,
    policy: policies.default,
    zonePolicies: policies.byZone,
    balancerPortBase: cfg.balancerPortBase,
    appPorts: cfg.appPorts,
    balancerArgs: cfg.balancerArgs,
    appArgs: cfg.appArgs,
    collector: cfg.collector,
    token: cfg.token,
    cluster: cfg.cluster,
    dataDir: cfg.dataDir,
    advertiseAddress: cfg.advertiseAddress,
  };
}

/**
 * This replica's URL (its entry in `cfg.peers`, else its advertised host and port), its peer entry,
 * and every monitor, itself included, sorted by id.
 */
function monitorPeers(cfg: MonitorConfig): { selfUrl: string; self: Peer; monitors: Peer[] } {
  const selfUrl =
    cfg.peers.find((p) => p.id === cfg.id)?.url ??
    httpUrl(advertisedHost(cfg.host, cfg.advertiseAddress), cfg.port);
  const self: Peer = { id: cfg.id, url: selfUrl };
  const monitors: Peer[] = [...cfg.peers.filter((p) => p.id !== cfg.id), self].sort((a, b) => a.id - b.id);
  return { selfUrl, self, monitors };
}

/**
 * Serves the monitor's HTTP API and dashboard (`api/routes.ts`) on `cfg.host`:`cfg.port` (idle
 * connections closed after 60 s), with the election, the leader's report and activate duties, the
 * state `hub` and the dashboard's controls; browsers may use it from every monitor's origin and
 * `cfg.allowedHosts`. Resolves to the listening server.
 * @throws RangeError for a bad `cfg.upstreamAllow` entry; PortInUse (a BadConfig) or another listen
 *   error (`startMonitor` then closes the stores)
 */
async function serveMonitor(
  cfg: MonitorConfig,
  monitors: Peer[],
  parts: MonitorStores & Leadership,
  hub: StateHub,
  log: Logger,
): Promise<ReturnType<typeof Bun.serve>> {
  const { registry, metrics, duties } = parts;
  const app = createMonitorApi({
    id: cfg.id,
    token: cfg.token,
    upstreamAllow: new UpstreamAllowList(cfg.upstreamAllow),
    zones: cfg.zones,
    log,
    election: parts.elector,
    report: (zone, urls, term) => duties.report(zone, urls, term),
    activate: (zone, term) => duties.activate(zone, term),
    registry,
    hub,
    history: () => cpuHistory(metrics, cfg.zones),
    dashboardDir: cfg.dashboardDir,
    origins: originPolicy(
      monitors.map((m) => m.url),
      cfg.allowedHosts,
    ),
    control: {
      token: cfg.token,
      pageKey: dashboardKey(cfg.token),
      registry,
      load: new LoadController(() => hub.current(), log),
      log,
    },
  });
  return listening(cfg, () =>
    Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch, idleTimeout: 60 }),
  );
}

/**
 * Stops a started monitor, bounded so SIGTERM ends the process within ~2.5 s whatever is in flight:
 * the lease release waits at most STOP_RELEASE_MS (it lapses on its own), then the loop, the hub and
 * the server (closing its connections) stop, then a running period gets at most STOP_IDLE_MS (the
 * next leader reconciles whatever it left half done), then the stores close (a failure is logged,
 * not thrown). Containers are left running. Not idempotent by itself (the handle's `stop()` guards it).
 */
async function stopMonitor(
  parts: MonitorStores & Leadership,
  hub: StateHub,
  server: ReturnType<typeof Bun.serve>,
  log: Logger,
): Promise<void> {
  await Promise.race([parts.elector.stop(), Bun.sleep(STOP_RELEASE_MS)]);
  parts.loop.stop();
  hub.stop();
  server.stop(true);
  await Promise.race([parts.duties.idle(), Bun.sleep(STOP_IDLE_MS)]);
  await Promise.all([parts.registry.close(), parts.metrics.close()]).catch((err) =>
    log.warn({ err }, 'closing the stores failed'),
  );
  log.info('monitor stopped (containers left running for the next leader)');
}

/**
 * Starts the monitor described by `cfg`: resolves the service and the policies, opens the stores
 * (`openStores`), builds the leadership and the state hub, listens (`serveMonitor`), then boots the
 * election and starts the hub; resolves once it listens and the election has booted. A start that
 * fails after the stores were opened closes them (and stops what it started) before it throws.
 * @throws BadConfig for inconsistent settings, unavailable adapters or the port in use.
 */
export async function startMonitor(cfg: MonitorConfig, log: Logger): Promise<RoleHandle> {
  const { selfUrl, self, monitors } = monitorPeers(cfg);
  const service = resolveService(cfg, loadServiceFile(cfg.serviceFile, process.cwd()), cfg.runtime);
  const policies = applyServicePolicy(buildPolicies(cfg), service, cfg.zones, () => policyOf('target', cfg));
  const policy = policies.default;

  const stores = await openStores(cfg, log);
  let parts: MonitorStores & Leadership;
  let hub: StateHub;
  let server: ReturnType<typeof Bun.serve>;
  try {
    const config = leaderConfig(cfg, selfUrl, policies, service);
    parts = { ...stores, ...leadership(cfg, self, monitors, config, stores, log) };
    hub = clusterHub(cfg, monitors, policies, parts, log);
    server = await serveMonitor(cfg, monitors, parts, hub, log);
  } catch (err) {
    // Nothing runs yet: only the stores are open (a bad gateway URL, the port in use).
    await Promise.all([stores.registry.close(), stores.metrics.close()]).catch(() => {});
    throw err;
  }
  const url = `http://${cfg.host}:${server.port}`;
  log.info(
    {
      url,
      self: selfUrl,
      peers: monitors.map((m) => `${m.id}=${m.url}`),
      zones: cfg.zones,
      policy,
      service: service.source,
    },
    'monitor listening',
  );
  try {
    await parts.elector.start();
    hub.start();
  } catch (err) {
    await stopMonitor(parts, hub, server, log);
    throw err;
  }

  let stopped: Promise<void> | null = null;
  return {
    url,
    stop() {
      stopped ??= stopMonitor(parts, hub, server, log);
      return stopped;
    },
  };
}
