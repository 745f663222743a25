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
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const retriesRefused = new Counter({
    name: 'balancer_retries_refused_total',
    help: 'Retries not made because the retry budget was spent',
    registers: [registry],
  });
  // Hot path: requests are counted in plain maps and handed to prom-client at scrape time, which
  // costs a Map lookup per request instead of a label hash and a bucket walk.
  const pendingRequests = new Map<number, Map<string, number>>();
  const pendingLatency = new Map<number, number[]>();
  const flush = () => {
    for (const [status, byUpstream] of pendingRequests) {
      for (const [upstream, n] of byUpstream) requests.inc({ status: String(status), upstream }, n);
      byUpstream.clear();
    }
    for (const [cls, list] of pendingLatency) {
      const labels = { status_class: `${cls}xx` };
      for (const ms of list) latency.observe(labels, ms / 1000);
      list.length = 0;
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
  const observe = (status: number, upstream: string, ms: number) => {
    let byUpstream = pendingRequests.get(status);
    if (!byUpstream) pendingRequests.set(status, (byUpstream = new Map()));
    byUpstream.set(upstream, (byUpstream.get(upstream) ?? 0) + 1);
    const cls = Math.floor(status / 100);
    let list = pendingLatency.get(cls);
    if (!list) pendingLatency.set(cls, (list = []));
    list.push(ms);
    // Bound memory between scrapes: fold into prom-client every 4096 samples.
    if (list.length >= 4096) flush();
  };
  return { registry, requests, retries, ejections, transitions, latency, retriesRefused, observe };
}

/** Counts `ts` in the transition (and, for outliers, ejection) counters. */
export function countTransitions(m: BalancerMetrics, ts: readonly Transition[]): void {
  for (const t of ts) {
    m.transitions.inc({ reason: t.reason });
    if (t.reason === 'outlier') m.ejections.inc({ upstream: t.url });
  }
}
