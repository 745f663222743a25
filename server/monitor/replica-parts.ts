/**
 * The parts of one monitor replica that `startMonitor` (`start.ts`) opens and builds, in its order:
 * the stores and clients, the leadership (the leader duties, the loop that runs them, the elector)
 * and the hub of the cluster view. Building them starts nothing; `start.ts` serves them, boots the
 * election, starts the hub, and stops them all.
 */
import type { MetricsStore } from '../adapters/metrics-store.ts';
import type { Registry } from '../adapters/registry.ts';
import type { ContainerRuntime } from '../adapters/runtime.ts';
import { openMetricsStore, openRegistry, openRuntime } from '../adapters/select.ts';
import type { MonitorConfig } from '../config/roles.ts';
import type { StaleTerm } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { buildClusterState } from './api/cluster-view.ts';
import { StateHub } from './api/events-stream.ts';
import { fetchRequestsTotal, RequestRates } from './api/request-rate.ts';
import type { Policies } from './autoscale/policy-config.ts';
import { type BalancerClient, httpBalancerClient } from './clients/balancer-client.ts';
import { gatewayHealth } from './clients/gateway-client.ts';
import { Elector } from './election/elector.ts';
import { httpPeerClient, type PeerClient } from './election/peers.ts';
import type { Peer } from './election/state.ts';
import type { LeaderConfig } from './leader/context.ts';
import { LeaderDuties } from './leader/duties.ts';
import { DutyLoop } from './leader/duty-loop.ts';
import { pushGatewayZones } from './leader/gateway-push.ts';

/** The stores and clients a monitor works with (`adapters/select.ts` picks the stores and the runtime). */
export interface MonitorStores {
  registry: Registry;
  runtime: ContainerRuntime;
  metrics: MetricsStore;
  balancers: BalancerClient;
  peers: PeerClient;
}

/**
 * Opens the registry, then the runtime (logging each warning of its check), then the metrics store,
 * and makes the balancer and peer clients (a peer message times out after `electionTimeoutMs`).
 * @throws BadConfig for an unavailable adapter or a misconfigured runtime (swarm: no swarm, a
 * worker's engine), after closing the registry when it was opened
 */
export async function openStores(cfg: MonitorConfig, log: Logger): Promise<MonitorStores> {
  const registry = await openRegistry(cfg);
  let runtime: ContainerRuntime;
  let metrics: MetricsStore;
  try {
    runtime = openRuntime(cfg);
    // A runtime that can be misconfigured (swarm: no swarm, a worker's engine) stops the start here.
    for (const warning of (await runtime.check?.(cfg.zones)) ?? [])
      log.warn({ runtime: cfg.runtime }, warning);
    metrics = await openMetricsStore(cfg);
  } catch (err) {
    await registry.close().catch(() => {});
    throw err;
  }
  const balancers = httpBalancerClient(cfg.token);
  const peers = httpPeerClient(cfg.token, { messageTimeoutMs: cfg.electionTimeoutMs });
  return { registry, runtime, metrics, balancers, peers };
}

/** The leader duties, the loop that runs them while this replica leads, and the elector that says when. */
export interface Leadership {
  duties: LeaderDuties;
  loop: DutyLoop;
  elector: Elector;
  /** The origin of `cfg.gateway` ('' without one): the loop pushes it the zones, the hub shows its health. */
  gatewayUrl: string;
}

/**
 * Builds the leader duties (they write only while this replica leads with a running lease; a
 * StaleTerm fences the elector), their loop (once at election, then every `periodMs`, pushing the
 * zones to the gateway after each period when `gatewayUrl` is set) and the bully elector over
 * `monitors`, whose leadership starts and stops the loop. Starts nothing: `elector.start()` does.
 * @throws TypeError when `cfg.gateway` is not a URL
 */
export function leadership(
  cfg: MonitorConfig,
  self: Peer,
  monitors: Peer[],
  config: LeaderConfig,
  stores: MonitorStores,
  log: Logger,
): Leadership {
  const { registry, runtime, metrics, balancers } = stores;
  let elector: Elector | null = null;
  const onStaleTerm = (e: StaleTerm) => elector?.fenced(e.current);
  const duties = new LeaderDuties(config, {
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
      peers: stores.peers,
      log,
      debug: cfg.debugElection,
      onBecameLeader: (term) => loop.becameLeader(term),
      onSteppedDown: () => loop.stop(),
    },
  );
  return { duties, loop, elector, gatewayUrl };
}

/**
 * The hub of the cluster view, rebuilt every second once started (`hub.start()`): the monitors'
 * roles, the zones under `policies`, their request rates, the gateway's health when there is one,
 * and the leader's last decisions while this replica leads (none otherwise).
 */
export function clusterHub(
  cfg: MonitorConfig,
  monitors: Peer[],
  policies: Policies,
  parts: MonitorStores & Leadership,
  log: Logger,
): StateHub {
  const { elector, duties, gatewayUrl } = parts;
  const rates = new RequestRates();
  return new StateHub(
    () =>
      buildClusterState({
        requestsTotal: fetchRequestsTotal,
        rates,
        gateway: gatewayUrl ? { url: gatewayUrl, health: gatewayHealth } : undefined,
        selfId: cfg.id,
        selfStatus: () => elector.status().role,
        monitors,
        zones: cfg.zones,
        policy: policies.default,
        zonePolicies: policies.byZone,
        decisions: () => (elector.status().role === 'leader' ? duties.decisions() : new Map()),
        registry: parts.registry,
        metrics: parts.metrics,
        peers: parts.peers,
        balancers: parts.balancers,
      }),
    log,
  );
}
