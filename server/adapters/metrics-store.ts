/**
 * The metrics-store capability: where app samples land (the job InfluxDB does in the source
 * design) and where the leader reads each zone's average CPU. Real adapter: InfluxDB
 * (`adapters/influx`); embedded default: SQLite (`adapters/sqlite`); fake: `metrics-store-memory.ts`.
 * A sample is identified by (serverId, ts): writing it twice stores it once.
 */
import type { CpuPoint, Sample, ZoneId } from '../shared/types.ts';

/** Average CPU of a zone over a window. `perServer` holds each server's mean CPU %. */
export interface ZoneCpu {
  zone: ZoneId;
  /** Mean over servers of each server's mean CPU %, or null when no server has a sample. */
  avgCpu: number | null;
  perServer: Record<string, number>;
  samples: number;
}

export interface MetricsStore {
  /** Stores samples; idempotent per (serverId, ts). */
  write(samples: Sample[]): Promise<void>;
  /** Average CPU of `zone` over samples with `since <= ts < until` (epoch ms). */
  zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu>;
  /** The newest sample of each server with a sample since `since` (epoch ms). */
  latest(since: number): Promise<Sample[]>;
  /** Per-zone average CPU in buckets of `stepMs` from `since` to now, oldest first. */
  history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]>;
  /** Deletes samples older than `before` (epoch ms). */
  prune(before: number): Promise<void>;
  close(): Promise<void>;
}
