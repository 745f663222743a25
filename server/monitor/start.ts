/**
 * Starts one monitor replica: opens the registry, runtime and metrics store chosen by the
 * configuration (`adapters/select.ts`: SQLite / local processes by default), serves the HTTP API
 * and dashboard, boots the bully election, rebuilds the cluster view every second, and while this
 * replica is the leader runs the leader duties every `periodMs`. `stop()` stops timers and the HTTP
 * server and closes the stores, but leaves every container running: they belong to the cluster,
 * and the next leader takes them over from the registry.
 */
import { openMetricsStore, openRegistry, openRuntime } from '../adapters/select.ts';
import type { MonitorConfig } from '../config/roles.ts';
import { StaleTerm } from '../shared/errors.ts';
import { listening } from '../shared/listen.ts';
import type { Logger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import type { CpuHistory } from '../shared/types.ts';
import { httpBalancerClient } from './balancer-client.ts';
import { buildClusterState } from './cluster-view.ts';
import type { Peer } from './election.ts';
import { Elector } from './elector.ts';
import { StateHub } from './events-stream.ts';
import { gatewayHealth, pushZones } from './gateway-client.ts';
import { LoadController } from './load-controller.ts';
import { Orchestrator } from './orchestrator.ts';
import { dashboardKey } from './page-key.ts';
import { httpPeerClient } from './peers.ts';
import { buildPolicies } from './policy-config.ts';
import { fetchRequestsTotal, RequestRates } from './request-rate.ts';
import { createMonitorApi } from './routes.ts';
import { LeaseLapsed } from './write-guard.ts';

/** CPU history sent to a dashboard on connect: the last 15 minutes (its widest chart window) in 5 s buckets. */
export const HISTORY_SPAN_MS = 15 * 60_000;
export const HISTORY_STEP_MS = 5_000;

/**
 * Starts the monitor described by `cfg`; resolves once it listens and the election has booted.
 * @throws BadConfig for inconsistent settings or unavailable adapters.
 */
export async function startMonitor(cfg: MonitorConfig, log: Logger): Promise<RoleHandle> {
  const selfUrl = cfg.peers.find((p) => p.id === cfg.id)?.url ?? `http://${cfg.host}:${cfg.port}`;
  const self: Peer = { id: cfg.id, url: selfUrl };
  const monitors: Peer[] = [...cfg.peers.filter((p) => p.id !== cfg.id), self].sort((a, b) => a.id - b.id);
  const policies = buildPolicies(cfg);
  const policy = policies.default;

  const registry = await openRegistry(cfg);
  const runtime = openRuntime(cfg);
  const metrics = await openMetricsStore(cfg);
  const balancers = httpBalancerClient(cfg.token);
  const peers = httpPeerClient(cfg.token, { messageTimeoutMs: cfg.electionTimeoutMs });

  let elector: Elector | null = null;
  const orchestrator = new Orchestrator(
    {
      selfUrl,
      zones: cfg.zones,
      policy,
      zonePolicies: policies.byZone,
      balancerPortBase: cfg.balancerPortBase,
      appPorts: cfg.appPorts,
      balancerArgs: cfg.balancerArgs,
      appArgs: cfg.appArgs,
      collector: cfg.collector,
      token: cfg.token,
      cluster: cfg.cluster,
      dataDir: cfg.dataDir,
    },
    {
      registry,
      runtime,
      metrics,
      balancers,
      log,
      onStaleTerm: (e: StaleTerm) => elector?.fenced(e.current),
      // Writes only while this replica leads with a running lease (a paused leader that wakes up writes nothing).
      mayWrite: () => elector?.mayWrite() ?? false,
    },
  );

  // Leader duties: once at election, then every period while this replica leads.
  let periodTimer: ReturnType<typeof setInterval> | null = null;
  let running = false;
  const runPeriod = async () => {
    const st = elector?.status();
    if (!st || st.role !== 'leader' || st.leaseValid === false || running) return;
    running = true;
    try {
      await orchestrator.runPeriod(st.term);
      if (gatewayUrl) await pushGatewayZones(st.term);
    } catch (err) {
      if (err instanceof LeaseLapsed)
        log.warn('leader period skipped: the lease lapsed before it was renewed');
      else if (!(err instanceof StaleTerm)) log.error({ err }, 'leader period failed');
    } finally {
      running = false;
    }
  };
  // The gateway learns every zone's balancer from the leader, fenced by the term like the balancers.
  const pushGatewayZones = async (term: number) => {
    const zones = (await registry.containers())
      .filter((c) => c.role === 'balancer')
      .map((c) => ({ zone: c.zone, url: c.url }));
    try {
      await pushZones(gatewayUrl, cfg.token, zones, term);
    } catch (err) {
      if (err instanceof StaleTerm) {
        elector?.fenced(err.current);
        throw err;
      }
      log.warn({ err: String(err), gateway: gatewayUrl }, 'pushing the zones to the gateway failed');
    }
  };
  const stopDuties = () => {
    if (periodTimer) clearInterval(periodTimer);
    periodTimer = null;
  };

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
      onBecameLeader: (term) => {
        stopDuties();
        void orchestrator
          .leaderElected(cfg.id, term)
          .then(() => orchestrator.reconcile(term))
          .catch((err) => log.warn({ err }, 'announcing the election or reconciling failed'))
          .then(runPeriod);
        periodTimer = setInterval(() => void runPeriod(), cfg.periodMs);
      },
      onSteppedDown: () => stopDuties(),
    },
  );

  const rates = new RequestRates();
  const gatewayUrl = cfg.gateway ? new URL(cfg.gateway).origin : '';
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
        decisions: () => (elector?.status().role === 'leader' ? orchestrator.decisions() : new Map()),
        registry,
        metrics,
        peers,
        balancers,
      }),
    log,
  );
  const history = async (): Promise<CpuHistory> => {
    const since = Date.now() - HISTORY_SPAN_MS;
    return Object.fromEntries(
      await Promise.all(
        cfg.zones.map(async (z) => [z, await metrics.history(z, since, HISTORY_STEP_MS)] as const),
      ),
    );
  };

  const app = createMonitorApi({
    id: cfg.id,
    token: cfg.token,
    zones: cfg.zones,
    log,
    election: elector,
    report: (zone, urls, term) => orchestrator.report(zone, urls, term),
    registry,
    hub,
    history,
    dashboardDir: cfg.dashboardDir,
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
    { url, self: selfUrl, peers: monitors.map((m) => `${m.id}=${m.url}`), zones: cfg.zones, policy },
    'monitor listening',
  );

  await elector.start();
  hub.start();

  let stopped: Promise<void> | null = null;
  return {
    url,
    stop() {
      stopped ??= (async () => {
        await elector?.stop();
        stopDuties();
        hub.stop();
        server.stop(true);
        await Promise.race([orchestrator.idle(), Bun.sleep(5_000)]);
        await Promise.all([registry.close(), metrics.close()]).catch((err) =>
          log.warn({ err }, 'closing the stores failed'),
        );
        log.info('monitor stopped (containers left running for the next leader)');
      })();
      return stopped;
    },
  };
}
