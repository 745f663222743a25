/**
 * The aggregation rules every `MetricsStore` shares, as pure functions over per-(server, source)
 * means so each adapter only has to compute those (SQL `GROUP BY`, InfluxQL `GROUP BY`, Flux
 * `group`/`reduce`, or a loop in the memory fake): each server's metric is the mean over the
 * window of the samples that carry it; CPU and memory come from the `agent` (measured from
 * outside) when it sent any, else from the `app`; the zone's CPU is the mean over servers of each
 * server's CPU (contracts.md §1). Also the read-back normalisation of stored rows into `Sample`s.
 */
import type { CpuPoint, Sample, SampleSource, ZoneId } from '../shared/types.ts';
import type { ServerMetrics, ZoneCpu, ZoneMetrics } from './metrics-store.ts';

/** The numeric sample fields a store averages, in `Sample` names. */
export const METRIC_FIELDS = ['cpu', 'memoryMb', 'rps', 'inFlight', 'p95Ms'] as const;
export type MetricField = (typeof METRIC_FIELDS)[number];

/** Every optional numeric/boolean/string field of a `Sample` a store keeps (beyond the key). */
export const SAMPLE_VALUE_FIELDS = [
  'cpu',
  'memoryMb',
  'throughput',
  'healthy',
  'scenario',
  'rps',
  'inFlight',
  'p50Ms',
  'p95Ms',
  'p99Ms',
  'errorRate',
] as const;

/** `Sample` field → the stored column / field name (snake_case) the SQLite and InfluxDB stores use. */
export const STORED_NAME = {
  cpu: 'cpu',
  memoryMb: 'memory_mb',
  throughput: 'throughput',
  healthy: 'healthy',
  scenario: 'scenario',
  rps: 'rps',
  inFlight: 'in_flight',
  p50Ms: 'p50_ms',
  p95Ms: 'p95_ms',
  p99Ms: 'p99_ms',
  errorRate: 'error_rate',
} as const satisfies Record<(typeof SAMPLE_VALUE_FIELDS)[number], string>;

/** Fields whose "nothing measured" value is `null` (latencies of a balancer sample). */
const LATENCY_FIELDS = new Set(['p50Ms', 'p95Ms', 'p99Ms']);

/** The mean and count of one metric over the samples of one (server, source) that carry it. */
export interface MeanCount {
  mean: number;
  count: number;
}

/** One (server, source) of a window: per metric, the mean and count (absent = no sample carried it). */
export interface SourceAggregate {
  server: string;
  source: SampleSource;
  /** Samples of this (server, source) in the window, whatever they carry. */
  samples: number;
  metrics: Partial<Record<MetricField, MeanCount>>;
}

/** `source` as stored: a missing or unknown value is `app` (rows from before sources existed). */
export function sourceOf(v: unknown): SampleSource {
  return v === 'agent' || v === 'balancer' ? v : 'app';
}

/** Groups raw samples into per-(server, source) aggregates (the memory fake's "query"). */
export function aggregateSamples(samples: readonly Sample[]): SourceAggregate[] {
  const groups = new Map<string, { agg: SourceAggregate; sums: Map<MetricField, MeanCount> }>();
  for (const s of samples) {
    const key = `${s.serverId}\u0000${s.source}`;
    let g = groups.get(key);
    if (!g) {
      g = { agg: { server: s.serverId, source: s.source, samples: 0, metrics: {} }, sums: new Map() };
      groups.set(key, g);
    }
    g.agg.samples += 1;
    for (const f of METRIC_FIELDS) {
      const v = s[f];
      if (typeof v !== 'number') continue;
      const acc = g.sums.get(f) ?? { mean: 0, count: 0 };
      acc.mean += v;
      acc.count += 1;
      g.sums.set(f, acc);
    }
  }
  return [...groups.values()].map(({ agg, sums }) => {
    for (const [f, { mean, count }] of sums) agg.metrics[f] = { mean: mean / count, count };
    return agg;
  });
}

/** Count-weighted mean of several (mean, count) pairs, or null when none. */
function combine(parts: (MeanCount | undefined)[]): MeanCount | null {
  let sum = 0;
  let count = 0;
  for (const p of parts) {
    if (!p || p.count === 0) continue;
    sum += p.mean * p.count;
    count += p.count;
  }
  return count === 0 ? null : { mean: sum / count, count };
}

/** A resource metric (cpu, memoryMb): the agent's when it has one, else the app's. */
function resource(aggs: SourceAggregate[], f: 'cpu' | 'memoryMb'): MeanCount | null {
  const agent = combine(aggs.filter((a) => a.source === 'agent').map((a) => a.metrics[f]));
  return agent ?? combine(aggs.filter((a) => a.source !== 'agent').map((a) => a.metrics[f]));
}

/** Per-server metrics of a zone's window from its (server, source) aggregates; see the module comment. */
export function zoneMetricsFrom(zone: ZoneId, aggs: readonly SourceAggregate[]): ZoneMetrics {
  const byServer = new Map<string, SourceAggregate[]>();
  let samples = 0;
  for (const a of aggs) {
    if (a.samples === 0) continue;
    samples += a.samples;
    const list = byServer.get(a.server) ?? [];
    list.push(a);
    byServer.set(a.server, list);
  }
  const perServer: Record<string, ServerMetrics> = {};
  for (const id of [...byServer.keys()].sort()) {
    const list = byServer.get(id) ?? [];
    const mean = (f: MetricField) => combine(list.map((a) => a.metrics[f]))?.mean ?? null;
    perServer[id] = {
      cpu: resource(list, 'cpu')?.mean ?? null,
      memoryMb: resource(list, 'memoryMb')?.mean ?? null,
      rps: mean('rps'),
      inFlight: mean('inFlight'),
      p95Ms: mean('p95Ms'),
    };
  }
  return { zone, perServer, samples };
}

/**
 * Zone CPU from the same aggregates: mean over servers with a CPU of each server's CPU (agent
 * preferred); `samples` counts the samples whose CPU was used.
 */
export function zoneCpuFrom(zone: ZoneId, aggs: readonly SourceAggregate[]): ZoneCpu {
  const byServer = new Map<string, SourceAggregate[]>();
  for (const a of aggs) byServer.set(a.server, [...(byServer.get(a.server) ?? []), a]);
  const perServer: Record<string, number> = {};
  let samples = 0;
  for (const id of [...byServer.keys()].sort()) {
    const cpu = resource(byServer.get(id) ?? [], 'cpu');
    if (!cpu) continue;
    perServer[id] = cpu.mean;
    samples += cpu.count;
  }
  const means = Object.values(perServer);
  const avgCpu = means.length === 0 ? null : means.reduce((a, b) => a + b, 0) / means.length;
  return { zone, avgCpu, perServer, samples };
}

/**
 * Epoch-aligned buckets of `stepMs`, oldest first, empty buckets skipped: in each, the mean over
 * servers of each server's CPU (agent preferred). `rows` are raw CPU readings.
 * @throws RangeError when `stepMs` is not a positive number.
 */
export function bucketHistory(
  rows: readonly { t: number; server: string; source: SampleSource; cpu: number }[],
  stepMs: number,
): CpuPoint[] {
  if (!(stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${stepMs}`);
  const buckets = new Map<number, { server: string; source: SampleSource; cpu: number }[]>();
  for (const r of rows) {
    const t = Math.floor(r.t / stepMs) * stepMs;
    const list = buckets.get(t) ?? [];
    list.push(r);
    buckets.set(t, list);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, list]) => {
      const aggs = aggregateSamples(
        list.map((r) => ({ serverId: r.server, zone: '', ts: t, source: r.source, cpu: r.cpu })),
      );
      return { t, cpu: zoneCpuFrom('', aggs).avgCpu ?? 0 };
    });
}

/**
 * A stored row (fields in `Sample` names, absent values null or undefined) as a `Sample`: absent
 * fields are left out, except a balancer sample's latencies, which are `null` ("none completed").
 */
export function toSample(
  serverId: string,
  zone: string,
  ts: number,
  source: SampleSource,
  col: (field: (typeof SAMPLE_VALUE_FIELDS)[number]) => unknown,
): Sample {
  const out: Record<string, unknown> = { serverId, zone, ts, source };
  for (const f of SAMPLE_VALUE_FIELDS) {
    const v = col(f);
    if (v === null || v === undefined) {
      if (source === 'balancer' && LATENCY_FIELDS.has(f)) out[f] = null;
      continue;
    }
    out[f] = f === 'healthy' ? v === true || v === 1 : f === 'scenario' ? String(v) : Number(v);
  }
  return out as Sample;
}
