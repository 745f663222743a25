/**
 * The metrics-store capability: where samples land (the job InfluxDB does in the source design)
 * and where the leader reads each zone's metrics. Samples come from three sources (`app`, `agent`,
 * `balancer`; contracts.md §1). Real adapter: InfluxDB (`adapters/influx`); embedded default:
 * SQLite (`adapters/sqlite`); fake: `metrics-store-memory.ts`. A sample is identified by
 * (serverId, source, ts): writing it twice stores it once. The shared aggregation rules are in
 * `metrics-aggregate.ts`.
 */
import type { CpuPoint, Sample, SampleInput, ZoneId } from '../shared/types.ts';
import type { ConcurrencyPoint } from './concurrency-series.ts';

/** Average CPU of a zone over a window. `perServer` holds each server's mean CPU %. */
export interface ZoneCpu {
  zone: ZoneId;
  /** Mean over servers of each server's mean CPU %, or null when no server has a sample. */
  avgCpu: number | null;
  perServer: Record<string, number>;
  /** Samples whose CPU was used (the agent's where a server has both). */
  samples: number;
}

/**
 * One server's metrics over a window: each the mean of the samples that carry it, null when none
 * does. `cpu` (% of one core) and `memoryMb` (MB) are the agent's when it sent any, else the app's;
 * `rps` (req/s), `inFlight` (requests) and `p95Ms` (ms) are the balancer's.
 */
export interface ServerMetrics {
  cpu: number | null;
  memoryMb: number | null;
  rps: number | null;
  inFlight: number | null;
  p95Ms: number | null;
}

/** A zone's metrics over a window: per server id, and the number of samples (any source) read. */
export interface ZoneMetrics {
  zone: ZoneId;
  perServer: Record<string, ServerMetrics>;
  samples: number;
}

export interface MetricsStore {
  /** Stores samples (a missing `source` is `app`); idempotent per (serverId, source, ts). */
  write(samples: readonly SampleInput[]): Promise<void>;
  /** Average CPU of `zone` over samples with `since <= ts < until` (epoch ms). */
  zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu>;
  /** Every server's metrics in `zone` over samples with `since <= ts < until` (epoch ms). */
  zoneMetrics(zone: ZoneId, since: number, until: number): Promise<ZoneMetrics>;
  /** The newest sample of each (server, source) with a sample since `since` (epoch ms), by server id then source. */
  latest(since: number): Promise<Sample[]>;
  /**
   * The zone's concurrency per second over balancer samples with `since <= ts < until` (epoch ms):
   * each second's sum over servers of their mean `inFlight`, oldest first (`concurrency-series.ts`).
   */
  zoneConcurrencySeries(zone: ZoneId, since: number, until: number): Promise<ConcurrencyPoint[]>;
  /** Per-zone average CPU in buckets of `stepMs` from `since` to now, oldest first. */
  history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]>;
  /** Deletes samples older than `before` (epoch ms). */
  prune(before: number): Promise<void>;
  close(): Promise<void>;
}
