/**
 * The balancer's per-server request metrics, published: every `intervalMs` (1 s) it closes the
 * window of `RequestStats` (`proxy/request-stats.ts`) and (1) publishes one `Sample` per upstream
 * server with `source: 'balancer'` on the metrics bus (HTTP push to the collector, or Kafka's
 * requests topic), keyed by the server id the leader named for that URL (`PUT /servers` `ids`), or
 * by the URL when none was named; (2) exposes the last window on `/metrics` as gauges by
 * `upstream` (`balancer_upstream_requests_per_second`, `balancer_upstream_in_flight`,
 * `balancer_upstream_error_ratio`) and adds it to the cumulative histogram
 * `balancer_upstream_request_duration_seconds{upstream}` (Prometheus buckets filled from the
 * window's fine buckets once a second, so the request path does no extra work; a count lands in the
 * Prometheus bucket holding its fine bucket's middle, within 2 % of its true latency).
 */
import { Gauge, type Metric, type Registry } from 'prom-client';
import type { MetricsPublisher } from '../adapters/metrics-bus.ts';
import type { RequestStats, RequestWindow } from '../proxy/request-stats.ts';
import type { Logger } from '../shared/logger.ts';
import type { Sample } from '../shared/types.ts';

/** Prometheus bucket bounds of the per-upstream latency histogram, seconds. */
const BOUNDS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Dependencies of `startRequestMetrics`. */
export interface RequestMetricsDeps {
  zone: string;
  stats: RequestStats;
  registry: Registry;
  /** The metrics bus, or null: the windows only reach `/metrics`. */
  publisher: MetricsPublisher | null;
  /** Server id per upstream URL (from the leader). */
  serverIds: ReadonlyMap<string, string>;
  /** Window length, ms (1 000). */
  intervalMs: number;
  /** Epoch ms clock for the samples' `ts`. */
  now: () => number;
  log?: Logger;
}

/** A window as a balancer `Sample`: counts rounded to 0.001, latencies as measured. */
export function windowSample(w: RequestWindow, serverId: string, zone: string, ts: number): Sample {
  const r3 = (v: number) => Math.round(v * 1000) / 1000;
  return {
    serverId,
    zone,
    ts,
    source: 'balancer',
    rps: r3(w.rps),
    inFlight: r3(w.inFlight),
    p50Ms: w.p50Ms,
    p95Ms: w.p95Ms,
    p99Ms: w.p99Ms,
    errorRate: r3(w.errorRate),
  };
}

/** Cumulative per-upstream latency histogram exposed as a prom-client custom collector (`get()`). */
class UpstreamLatencyHistogram {
  readonly name = 'balancer_upstream_request_duration_seconds';
  readonly help = 'Time to response headers of proxied requests by upstream server, seconds';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byUpstream = new Map<string, { buckets: Float64Array; sum: number; count: number }>();

  /** Adds a window's latencies (bucket middles, ms) with their counts. */
  add(upstream: string, latencies: readonly { ms: number; n: number }[]): void {
    let h = this.byUpstream.get(upstream);
    if (!h)
      this.byUpstream.set(
        upstream,
        (h = { buckets: new Float64Array(BOUNDS_S.length + 1), sum: 0, count: 0 }),
      );
    for (const { ms, n } of latencies) {
      const s = ms / 1000;
      let i = 0;
      while (i < BOUNDS_S.length && s > (BOUNDS_S[i] as number)) i++;
      h.buckets[i] = (h.buckets[i] as number) + n;
      h.sum += s * n;
      h.count += n;
    }
  }

  async get() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const [upstream, h] of [...this.byUpstream].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let cumulative = 0;
      for (let i = 0; i <= BOUNDS_S.length; i++) {
        cumulative += h.buckets[i] as number;
        const le = i < BOUNDS_S.length ? (BOUNDS_S[i] as number) : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, upstream }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { upstream }, value: h.sum });
      values.push({ metricName: `${this.name}_count`, labels: { upstream }, value: h.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** A gauge by `upstream` showing one field of the last window (servers without traffic drop out). */
function windowGauge(
  registry: Registry,
  name: string,
  help: string,
  last: () => readonly RequestWindow[],
  pick: (w: RequestWindow) => number,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['upstream'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const w of last()) this.set({ upstream: w.upstream }, pick(w));
    },
  });
}

/** Starts the window timer; `stop()` publishes nothing more (the publisher is the caller's to close). */
export function startRequestMetrics(d: RequestMetricsDeps): {
  stop(): void;
  last(): readonly RequestWindow[];
} {
  let last: RequestWindow[] = [];
  const histogram = new UpstreamLatencyHistogram();
  // A custom collector, as `LatencyHistogram` in metrics.ts: prom-client formats plain `{ name, type, get() }`.
  d.registry.registerMetric(histogram as unknown as Metric);
  const lastWindows = () => last;
  windowGauge(
    d.registry,
    'balancer_upstream_requests_per_second',
    'Requests answered or failed by each upstream server in the last second, req/s',
    lastWindows,
    (w) => w.rps,
  );
  windowGauge(
    d.registry,
    'balancer_upstream_in_flight',
    'Mean in-flight requests of each upstream server over the last second (time-weighted)',
    lastWindows,
    (w) => w.inFlight,
  );
  windowGauge(
    d.registry,
    'balancer_upstream_error_ratio',
    'Fraction of answers of each upstream server in the last second that were 5xx or failed',
    lastWindows,
    (w) => w.errorRate,
  );
  const tick = () => {
    const ts = Math.floor(d.now());
    const windows = d.stats.take((upstream, latencies) => histogram.add(upstream, latencies));
    last = windows;
    if (!d.publisher) return;
    for (const w of windows)
      d.publisher.publish(windowSample(w, d.serverIds.get(w.upstream) ?? w.upstream, d.zone, ts));
  };
  const timer = setInterval(tick, d.intervalMs);
  return {
    stop: () => clearInterval(timer),
    last: lastWindows,
  };
}
