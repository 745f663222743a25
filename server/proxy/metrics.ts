/**
 * Prometheus metrics of one balancer, in its own prom-client `Registry` (never the global one, so
 * several balancers can run in one test process). Served as text at `GET /metrics`. The hot path
 * (`observe`, once per request) only bumps plain counts; they reach prom-client at scrape time
 * through its public API: the request counter's `collect()` callback adds them with `inc()`, and the
 * latency histogram is a custom collector (`LatencyHistogram`) whose `get()` returns its series.
 */
import { Counter, Gauge, type Metric, Registry } from 'prom-client';
import type { StatusSetter } from './lb/health-checker.ts';
import type { Pools, Transition } from './lb/pools.ts';

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
  /** Time from receiving a request to sending response headers, seconds, by status class. */
  latency: LatencyHistogram;
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
  // Requests counted by status, then upstream, since the last scrape (a Map lookup per request
  // instead of prom-client's label hash and validation, ~0.5 µs).
  const pending = new Map<number, Map<string, number>>();
  const requests = new Counter({
    name: 'balancer_requests_total',
    help: 'Proxied client requests by response status and upstream',
    labelNames: ['status', 'upstream'] as const,
    registers: [registry],
    collect() {
      for (const [status, byUpstream] of pending) {
        for (const [upstream, n] of byUpstream) if (n > 0) this.inc({ status: String(status), upstream }, n);
        byUpstream.clear();
      }
    },
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
  const latency = new LatencyHistogram();
  // A custom collector: prom-client registers plain `{ name, type, get() }` objects itself
  // (`AggregatorRegistry.aggregate`); its `Metric` type only lists its own classes.
  registry.registerMetric(latency as unknown as Metric);
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
  const observe = (status: number, upstream: string, ms: number) => {
    let byUpstream = pending.get(status);
    if (!byUpstream) pending.set(status, (byUpstream = new Map()));
    byUpstream.set(upstream, (byUpstream.get(upstream) ?? 0) + 1);
    latency.observe(status, ms / 1000);
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

/** One exposed sample, as prom-client's `get()` returns it. */
interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * `balancer_request_duration_seconds`, a Prometheus histogram by `status_class` (`2xx`, …) kept as
 * per-bucket counts (cumulative only when exposed), and registered on the balancer's registry as a
 * custom collector: prom-client calls `get()` at scrape time and formats the samples (default
 * labels added). `Histogram` itself has no bulk observe, so a collector is what keeps the hot path
 * to one short bucket scan.
 */
export class LatencyHistogram {
  readonly name = 'balancer_request_duration_seconds';
  readonly help = 'Time to response headers of proxied requests, seconds';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  /** Per status class (2 for 2xx): a count per bucket (last: above every bound), sum and count. */
  private byClass = new Map<number, { buckets: Float64Array; sum: number; count: number }>();

  /** Counts one request answered with `status` after `seconds`. */
  observe(status: number, seconds: number): void {
    const cls = Math.floor(status / 100);
    let c = this.byClass.get(cls);
    if (!c) {
      c = { buckets: new Float64Array(LATENCY_BUCKETS_S.length + 1), sum: 0, count: 0 };
      this.byClass.set(cls, c);
    }
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && seconds > (LATENCY_BUCKETS_S[i] as number)) i++;
    c.buckets[i] = (c.buckets[i] as number) + 1;
    c.sum += seconds;
    c.count += 1;
  }

  /** The samples (`_bucket` cumulative with `le`, `_sum`, `_count`), classes in order, as prom-client's `get()`. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    const values: Sample[] = [];
    for (const cls of [...this.byClass.keys()].sort()) {
      const c = this.byClass.get(cls) as { buckets: Float64Array; sum: number; count: number };
      const status_class = `${cls}xx`;
      let cumulative = 0;
      for (let i = 0; i <= LATENCY_BUCKETS_S.length; i++) {
        cumulative += c.buckets[i] as number;
        const le = i < LATENCY_BUCKETS_S.length ? (LATENCY_BUCKETS_S[i] as number) : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, status_class }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { status_class }, value: c.sum });
      values.push({ metricName: `${this.name}_count`, labels: { status_class }, value: c.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Forgets every observation (`registry.resetMetrics()`). */
  reset(): void {
    this.byClass.clear();
  }
}

/** Counts `ts` in the transition (and, for outliers, ejection) counters. */
export function countTransitions(m: BalancerMetrics, ts: readonly Transition[]): void {
  for (const t of ts) {
    m.transitions.inc({ reason: t.reason });
    if (t.reason === 'outlier') m.ejections.inc({ upstream: t.url });
  }
}

/**
 * The health checker's status setter over `pools` (one per role): each check result moves its
 * server between the pools at `now()` (with the load it reported, when it did), counts the
 * transitions in `m` and hands each one to `told`, which writes the role's log line.
 */
export function poolStatusSetter(
  pools: Pools,
  m: BalancerMetrics,
  now: () => number,
  told: (t: Transition) => void,
): StatusSetter {
  return {
    setStatus(url, up, load) {
      const ts = pools.setStatus(url, up, now(), load);
      countTransitions(m, ts);
      for (const t of ts) told(t);
    },
  };
}
