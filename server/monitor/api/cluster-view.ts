/**
 * Builds the `ClusterState` every replica (leader or not) serves at `GET /state` and streams on
 * `/events`: the leader from the registry, each monitor's status from its health check (down when
 * it does not answer in 500 ms), each zone from the registry's containers plus its balancer's
 * `GET /pools` (500 ms; server state from the pool holding it, `unknown` when the balancer did not
 * answer; `strayServers` = URLs the balancer holds that the registry does not), the newest metrics
 * sample of each server and source (CPU and memory from the agent when it sends them, else the app;
 * req/s, mean in-flight and p95 from the zone balancer), the zone's average CPU over the policy window, and the newest 100 events.
 */
import type { MetricsStore } from '../../adapters/metrics-store.ts';
import type { Registry } from '../../adapters/registry.ts';
import type {
  ClusterState,
  MonitorView,
  Policy,
  PoolState,
  Sample,
  ServerView,
  ZoneDecision,
  ZoneId,
  ZoneView,
} from '../../shared/types.ts';
import { registeredAverage } from '../autoscale/threshold-policy.ts';
import type { BalancerClient, BalancerPools } from '../clients/balancer-client.ts';
import type { GatewayHealth } from '../clients/gateway-client.ts';
import type { PeerClient } from '../election/peers.ts';
import type { Peer } from '../election/state.ts';
import type { RequestRates } from './request-rate.ts';
import { zoneDecision } from './zone-decision.ts';

/** Samples older than this are not shown as a server's latest, ms. */
export const LATEST_SAMPLE_MAX_AGE_MS = 30_000;

/** What the view is built from. `selfStatus` is this replica's own election role. */
export interface ClusterViewDeps {
  selfId: number;
  selfStatus: () => MonitorView['status'];
  monitors: Peer[];
  zones: ZoneId[];
  policy: Policy;
  /** Zones whose policy differs from `policy`. */
  zonePolicies?: Partial<Record<ZoneId, Policy>>;
  /** The leader's latest decision per zone (omit on followers: derived from the events). */
  decisions?: () => ReadonlyMap<ZoneId, ZoneDecision>;
  registry: Registry;
  metrics: MetricsStore;
  peers: PeerClient;
  balancers: BalancerClient;
  now?: () => number;
  /** Reads a balancer's (or the gateway's) `balancer_requests_total` sum; omit to leave rates null. */
  requestsTotal?: (url: string) => Promise<number | null>;
  /** Counter readings kept between views (one per replica). */
  rates?: RequestRates;
  /** The gateway, when there is one: its URL and how to read its health. */
  gateway?: { url: string; health: (url: string) => Promise<GatewayHealth | null> };
}

function poolIndex(p: BalancerPools | null): Map<string, PoolState> {
  const m = new Map<string, PoolState>();
  if (!p) return m;
  for (const s of p.alive) m.set(s.url, 'alive');
  for (const s of p.disconnected) m.set(s.url, 'disconnected');
  for (const s of p.dead) m.set(s.url, 'dead');
  return m;
}

/** Builds the view now. Never throws for an unreachable peer or balancer; registry/metrics errors propagate. */
export async function buildClusterState(d: ClusterViewDeps): Promise<ClusterState> {
  const now = (d.now ?? Date.now)();
  const [leader, containers, latest, events, monitors] = await Promise.all([
    d.registry.leader(),
    d.registry.containers(),
    d.metrics.latest(now - LATEST_SAMPLE_MAX_AGE_MS),
    d.registry.events(100),
    Promise.all(
      d.monitors.map(async (m): Promise<MonitorView> => {
        if (m.id === d.selfId) return { id: m.id, url: m.url, status: d.selfStatus() };
        const h = await d.peers.health(m.url);
        return { id: m.id, url: m.url, status: h ? h.role : 'down' };
      }),
    ),
  ]);
  // The newest sample per (server, source); balancer samples are keyed by id, or by URL when the
  // balancer was not told the id.
  const sampleOf = new Map<string, Sample>(latest.map((s) => [`${s.source}\u0000${s.serverId}`, s]));
  const of = (source: Sample['source'], key: string) => sampleOf.get(`${source}\u0000${key}`);
  const zoneIds = [...new Set([...d.zones, ...containers.map((c) => c.zone)])];
  const zones = await Promise.all(
    zoneIds.map(async (zone): Promise<ZoneView> => {
      const mine = containers.filter((c) => c.zone === zone);
      const bal = mine.find((c) => c.role === 'balancer') ?? null;
      const apps = mine.filter((c) => c.role === 'app');
      const [pools, cpu, requestsTotal] = await Promise.all([
        bal ? d.balancers.pools(bal.url) : Promise.resolve(null),
        d.metrics.zoneCpu(zone, now - (d.zonePolicies?.[zone] ?? d.policy).windowMs, now),
        bal && d.requestsTotal ? d.requestsTotal(bal.url) : Promise.resolve(null),
      ]);
      const states = poolIndex(pools);
      const inFlight = new Map((pools?.alive ?? []).map((s) => [s.url, s.inFlight ?? 0]));
      const weight = new Map((pools?.alive ?? []).map((s) => [s.url, s.weight ?? 100]));
      const servers: ServerView[] = apps.map((a) => {
        const s = of('app', a.id);
        const agent = of('agent', a.id);
        const res = agent?.cpu !== undefined ? agent : s;
        const req = of('balancer', a.id) ?? of('balancer', a.url);
        return {
          id: a.id,
          url: a.url,
          uiUrl: `${a.url}/`,
          state: pools ? (states.get(a.url) ?? 'unknown') : 'unknown',
          cpu: res?.cpu ?? null,
          memoryMb: res?.memoryMb ?? null,
          resourceSource: res?.cpu !== undefined ? (res.source === 'agent' ? 'agent' : 'app') : null,
          throughput: s?.throughput ?? null,
          scenario: s?.scenario ?? null,
          createdAt: a.createdAt,
          inFlight: pools ? (inFlight.get(a.url) ?? null) : null,
          rps: req?.rps ?? null,
          meanInFlight: req?.inFlight ?? null,
          p95Ms: req?.p95Ms ?? null,
          weight: pools ? (weight.get(a.url) ?? null) : null,
          ...(a.node ? { node: a.node } : {}),
        };
      });
      const registered = new Set(apps.map((a) => a.url));
      const strayServers = [...states]
        .filter(([url]) => !registered.has(url))
        .map(([url, state]) => ({ url, state }));
      return {
        zone,
        balancer: bal ? { id: bal.id, url: bal.url, status: pools ? 'up' : 'down' } : null,
        replicas: apps.length,
        avgCpu: registeredAverage(cpu.perServer, new Set(apps.map((a) => a.id))),
        servers,
        strayServers,
        requestsPerSec: bal ? (d.rates?.observe(bal.url, requestsTotal, now) ?? null) : null,
        activation: pools?.activation ?? null,
        ...(d.zonePolicies?.[zone] ? { policy: d.zonePolicies[zone] } : {}),
        decision: zoneDecision(zone, events, d.decisions?.()),
      };
    }),
  );
  const gateway = d.gateway ? await gatewayView(d, now) : null;
  return { now, monitorId: d.selfId, leader, monitors, policy: d.policy, zones, events, gateway };
}

/** The gateway as the dashboard shows it: up with its available zones and req/s, or down. */
async function gatewayView(d: ClusterViewDeps, now: number): Promise<ClusterState['gateway']> {
  const g = d.gateway!;
  const [health, total] = await Promise.all([
    g.health(g.url),
    d.requestsTotal ? d.requestsTotal(g.url) : Promise.resolve(null),
  ]);
  return {
    url: g.url,
    status: health ? 'up' : 'down',
    availableZones: health?.available ?? null,
    requestsPerSec: d.rates?.observe(g.url, total, now) ?? null,
  };
}
