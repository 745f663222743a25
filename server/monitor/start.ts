/**
 * Starts one monitor replica: opens the registry, runtime and metrics store chosen by the
 * configuration (`adapters/select.ts`: SQLite / local processes by default), serves the HTTP API
 * and dashboard (`api/`), boots the bully election (`election/`), rebuilds the cluster view every
 * second, and while this replica is the leader runs the leader duties (`leader/`, deciding with
 * `autoscale/`) every `periodMs` from the duty loop; it only wires these together. `stop()` stops
 * timers and the HTTP server and closes the stores, but leaves every container running: they belong
 * to the cluster, and the next leader takes them over from the registry.
 */
import { openMetricsStore, openRegistry, openRuntime } from '../adapters/select.ts';
import type { MonitorConfig } from '../config/roles.ts';
import { type ResolvedService, resolveService } from '../config/service.ts';
import { loadServiceFile } from '../config/service-file.ts';
import { advertisedHost, httpUrl } from '../shared/advertise.ts';
import { StaleTerm } from '../shared/errors.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import { originPolicy } from '../shared/origin-guard.ts';
import type { RoleHandle } from '../shared/role.ts';
import { UpstreamAllowList } from '../shared/upstream-allow.ts';
import { buildClusterState } from './api/cluster-view.ts';
import { cpuHistory, StateHub } from './api/events-stream.ts';
import { LoadController } from './api/load-controller.ts';
import { dashboardKey } from './api/page-key.ts';
import { fetchRequestsTotal, RequestRates } from './api/request-rate.ts';
import { createMonitorApi } from './api/routes.ts';
import { buildPolicies, type Policies, policyOf } from './autoscale/policy-config.ts';
import { applyServicePolicy } from './autoscale/service-policy.ts';
import { httpBalancerClient } from './clients/balancer-client.ts';
import { gatewayHealth } from './clients/gateway-client.ts';
import { Elector } from './election/elector.ts';
import { httpPeerClient } from './election/peers.ts';
import type { Peer } from './election/state.ts';
import type { LeaderConfig } from './leader/context.ts';
import { LeaderDuties } from './leader/duties.ts';
import { DutyLoop } from './leader/duty-loop.ts';
import { pushGatewayZones } from './leader/gateway-push.ts';

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
 * Starts the monitor described by `cfg`; resolves once it listens and the election has booted.
 * @throws BadConfig for inconsistent settings or unavailable adapters.
 */
export async function startMonitor(cfg: MonitorConfig, log: Logger): Promise<RoleHandle> {
  const selfUrl =
    cfg.peers.find((p) => p.id === cfg.id)?.url ??
    httpUrl(advertisedHost(cfg.host, cfg.advertiseAddress), cfg.port);
  const self: Peer = { id: cfg.id, url: selfUrl };
  const monitors: Peer[] = [...cfg.peers.filter((p) => p.id !== cfg.id), self].sort((a, b) => a.id - b.id);
  const service = resolveService(cfg, loadServiceFile(cfg.serviceFile, process.cwd()), cfg.runtime);
  const policies = applyServicePolicy(buildPolicies(cfg), service, cfg.zones, () => policyOf('target', cfg));
  const policy = policies.default;

  const registry = await openRegistry(cfg);
  const runtime = openRuntime(cfg);
  // A runtime that can be misconfigured (swarm: no swarm, a worker's engine) stops the start here.
  for (const warning of (await runtime.check?.(cfg.zones)) ?? []) log.warn({ runtime: cfg.runtime }, warning);
  const metrics = await openMetricsStore(cfg);
  const balancers = httpBalancerClient(cfg.token);
  const peers = httpPeerClient(cfg.token, { messageTimeoutMs: cfg.electionTimeoutMs });

  let elector: Elector | null = null;
  const onStaleTerm = (e: StaleTerm) => elector?.fenced(e.current);
  const duties = new LeaderDuties(leaderConfig(cfg, selfUrl, policies, service), {
    registry,
    runtime,
    metrics,
    balancers,
    log,
    onStaleTerm,
    // Writes only while this replica leads with a running lease (a paused leader that wakes up writes nothing).
    mayWrite: () => elector?.mayWrite() ?? false,
  });

  // Leader duties: once at election, then every period while this replica leads.
  const gatewayUrl = cfg.gateway ? new URL(cfg.gateway).origin : '';
  const gateway = { gatewayUrl, token: cfg.token, registry, log, onStaleTerm };
  const loop = new DutyLoop({
    duties,
    status: () => elector?.status() ?? null,
    ...(gatewayUrl ? { afterPeriod: (term: number) => pushGatewayZones(gateway, term) } : {}),
    selfId: cfg.id,
    periodMs: cfg.periodMs,
    log,
  });

  elector = new Elector(
    self,
    monitors,
    {
      probeIntervalMs: cfg.probeIntervalMs,
      electionTimeoutMs: cfg.electionTimeoutMs,
      periodMs: cfg.periodMs,
      ...(cfg.leaseMs > 0 ? { leaseMs: cfg.leaseMs } : {}),
      ...(cfg.leaseRenewMs > 0 ? { leaseRenewMs: cfg.leaseRenewMs } : {}),
    },
    {
      registry,
      peers,
      log,
      debug: cfg.debugElection,
      onBecameLeader: (term) => loop.becameLeader(term),
      onSteppedDown: () => loop.stop(),
    },
  );

  const rates = new RequestRates();
  const hub = new StateHub(
    () =>
      buildClusterState({
        requestsTotal: fetchRequestsTotal,
        rates,
        gateway: gatewayUrl ? { url: gatewayUrl, health: gatewayHealth } : undefined,
        selfId: cfg.id,
        selfStatus: () => elector?.status().role ?? 'candidate',
        monitors,
        zones: cfg.zones,
        policy,
        zonePolicies: policies.byZone,
        decisions: () => (elector?.status().role === 'leader' ? duties.decisions() : new Map()),
        registry,
        metrics,
        peers,
        balancers,
      }),
    log,
  );

  const app = createMonitorApi({
    id: cfg.id,
    token: cfg.token,
    upstreamAllow: new UpstreamAllowList(cfg.upstreamAllow),
    zones: cfg.zones,
    log,
    election: elector,
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

  let server: ReturnType<typeof Bun.serve>;
  try {
    server = listening(cfg, () =>
      Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch, idleTimeout: 60 }),
    );
  } catch (err) {
    await Promise.all([registry.close(), metrics.close()]).catch(() => {});
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

  await elector.start();
  hub.start();

  let stopped: Promise<void> | null = null;
  return {
    url,
    stop() {
      // Bounded so SIGTERM ends the process within ~2.5 s whatever is in flight: the lease release
      // waits at most 500 ms (it lapses on its own) and a running period at most 2 s (the next
      // leader reconciles whatever it left half done).
      stopped ??= (async () => {
        await Promise.race([elector?.stop(), Bun.sleep(STOP_RELEASE_MS)]);
        loop.stop();
        hub.stop();
        server.stop(true);
        await Promise.race([duties.idle(), Bun.sleep(STOP_IDLE_MS)]);
        await Promise.all([registry.close(), metrics.close()]).catch((err) =>
          log.warn({ err }, 'closing the stores failed'),
        );
        log.info('monitor stopped (containers left running for the next leader)');
      })();
      return stopped;
    },
  };
}
