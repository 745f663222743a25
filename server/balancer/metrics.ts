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
  return { registry, requests, retries, ejections, transitions, latency };
}

/** Counts `ts` in the transition (and, for outliers, ejection) counters. */
export function countTransitions(m: BalancerMetrics, ts: readonly Transition[]): void {
  for (const t of ts) {
    m.transitions.inc({ reason: t.reason });
    if (t.reason === 'outlier') m.ejections.inc({ upstream: t.url });
  }
}
