/**
 * Prometheus metrics of one balancer, in its own prom-client `Registry` (never the global one, so
 * several balancers can run in one test process). Served as text at `GET /metrics`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Pools, Transition } from './pools.ts';

/** The balancer's metric handles; names are `balancer_*`, durations in seconds (Prometheus convention). */
export interface BalancerMetrics {
  registry: Registry;
  /** Client requests answered, by HTTP status and upstream URL (`none` when no server was reached). */
  requests: Counter<'status' | 'upstream'>;
  /** Tries that failed (connection failure or timeout) and were retried, by the upstream that failed. */
  retries: Counter<'upstream'>;
  /** Servers ejected from the alive pool by passive outlier detection, by upstream. */
  ejections: Counter<'upstream'>;
  /** Pool transitions, by reason (`check-failed`, `dead`, `outlier`, `reported`, …). */
  transitions: Counter<'reason'>;
  /** Time from receiving a request to sending response headers, seconds. */
  latency: Histogram<'status_class'>;
  /** Retries the retry budget refused (a sick zone is not hit by a retry storm). */
  retriesRefused: Counter;
  /** Upstream connections the upstream client opened, by upstream (`onConnectionOpened`). */
  upstreamConnectionsOpened: Counter<'upstream'>;
  /** Counts one answered client request: HTTP `status`, `upstream` URL (or `none`), `ms` to response headers. */
  observe(status: number, upstream: string, ms: number): void;
}

/** Creates the metrics; pool sizes are read from `pools` at scrape time. */
export function createBalancerMetrics(pools: Pools, zone: string): BalancerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ zone });
  const requests = new Counter({
    name: 'balancer_requests_total',
    help: 'Proxied client requests by response status and upstream',
    labelNames: ['status', 'upstream'] as const,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'balancer_retries_total',
    help: 'Tries that failed to connect or timed out and were retried elsewhere',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  const ejections = new Counter({
    name: 'balancer_outlier_ejections_total',
    help: 'Alive servers moved to disconnected by passive outlier detection',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'balancer_pool_transitions_total',
    help: 'Pool transitions by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'balancer_pool_servers',
    help: 'Servers in each pool',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      const c = pools.counts();
      for (const pool of ['alive', 'disconnected', 'dead'] as const) this.set({ pool }, c[pool]);
    },
  });
  const latency = new Histogram({
    name: 'balancer_request_duration_seconds',
    help: 'Time to response headers of proxied requests, seconds',
    labelNames: ['status_class'] as const,
    buckets: [...LATENCY_BUCKETS_S],
    registers: [registry],
  });
  const retriesRefused = new Counter({
    name: 'balancer_retries_refused_total',
    help: 'Retries not made because the retry budget was spent',
    registers: [registry],
  });
  const upstreamConnectionsOpened = new Counter({
    name: 'zonescale_upstream_connections_opened_total',
    help: 'Connections opened to upstream servers (keep-alive reuse keeps this low)',
    labelNames: ['upstream'] as const,
    registers: [registry],
  });
  // Hot path: requests are counted in plain maps and latencies in per-class bucket counts, handed
  // to prom-client at scrape time (a Map lookup and a short bucket scan per request instead of a
  // label hash and an object walk).
  const pendingRequests = new Map<number, Map<string, number>>();
  const pendingLatency = new Map<number, LatencyCounts>();
  const flush = () => {
    for (const [status, byUpstream] of pendingRequests) {
      for (const [upstream, n] of byUpstream) requests.inc({ status: String(status), upstream }, n);
      byUpstream.clear();
    }
    for (const [cls, counts] of pendingLatency) {
      if (counts.count > 0) addToHistogram(latency, `${cls}xx`, counts);
    }
  };
  const origRequestsGet = requests.get.bind(requests);
  requests.get = async () => {
    flush();
    return origRequestsGet();
  };
  const origLatencyGet = latency.get.bind(latency);
  latency.get = async () => {
    flush();
    return origLatencyGet();
  };
  // The text exposition reads histograms through `getForPromString` (prom-client 15), not `get`.
  const promString = latency as unknown as { getForPromString?: () => Promise<unknown> };
  const origLatencyProm = promString.getForPromString?.bind(latency);
  if (origLatencyProm)
    promString.getForPromString = async () => {
      flush();
      return origLatencyProm();
    };
  const observe = (status: number, upstream: string, ms: number) => {
    let byUpstream = pendingRequests.get(status);
    if (!byUpstream) pendingRequests.set(status, (byUpstream = new Map()));
    byUpstream.set(upstream, (byUpstream.get(upstream) ?? 0) + 1);
    const cls = Math.floor(status / 100);
    let counts = pendingLatency.get(cls);
    if (!counts) pendingLatency.set(cls, (counts = newLatencyCounts()));
    const s = ms / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > (LATENCY_BUCKETS_S[i] as number)) i++;
    counts.buckets[i] = (counts.buckets[i] as number) + 1;
    counts.sum += s;
    counts.count += 1;
  };
  return {
    registry,
    requests,
    retries,
    ejections,
    transitions,
    latency,
    retriesRefused,
    upstreamConnectionsOpened,
    observe,
  };
}

/** Upper bounds of the latency histogram, seconds. */
const LATENCY_BUCKETS_S: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Latency observations not yet handed to prom-client: per-bucket counts (last = above all bounds). */
interface LatencyCounts {
  buckets: Float64Array;
  sum: number;
  count: number;
}

function newLatencyCounts(): LatencyCounts {
  return { buckets: new Float64Array(LATENCY_BUCKETS_S.length + 1), sum: 0, count: 0 };
}

/** prom-client's per-label-set histogram entry (bucket counts are per bound, not cumulative). */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

/**
 * Adds `c` to `h`'s series `status_class=cls` in bulk and resets `c`. prom-client has no bulk
 * observe, so this writes its per-label-set entry (`hashMap`, stable in prom-client 15).
 */
function addToHistogram(h: Histogram<'status_class'>, cls: string, c: LatencyCounts): void {
  const map = (h as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap;
  const find = () => Object.values(map).find((e) => e.labels.status_class === cls);
  let e = find();
  if (!e) {
    h.zero({ status_class: cls });
    e = find() as HistogramEntry;
  }
  for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) {
    const key = String(LATENCY_BUCKETS_S[i]);
    e.bucketValues[key] = (e.bucketValues[key] ?? 0) + (c.buckets[i] as number);
  }
  e.sum += c.sum;
  e.count += c.count;
  c.buckets.fill(0);
  c.sum = 0;
  c.count = 0;
}

/** Counts `ts` in the transition (and, for outliers, ejection) counters. */
export function countTransitions(m: BalancerMetrics, ts: readonly Transition[]): void {
  for (const t of ts) {
    m.transitions.inc({ reason: t.reason });
    if (t.reason === 'outlier') m.ejections.inc({ upstream: t.url });
  }
}
