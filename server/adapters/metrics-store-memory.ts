/**
 * In-memory `MetricsStore` fake for unit tests and single-process use: a map keyed by
 * (serverId, ts) so writes are idempotent, with the same aggregation rules as the SQLite and
 * InfluxDB adapters (zone CPU = mean over servers of each server's mean CPU; history buckets aligned
 * to multiples of `stepMs` since the epoch). It passes the shared suite in `metrics-store.contract.ts`.
 */
import type { CpuPoint, Sample, ZoneId } from '../shared/types.ts';
import type { MetricsStore, ZoneCpu } from './metrics-store.ts';

/** Mean over servers of each server's mean CPU %; `perServer` maps server id → its mean CPU %. */
export function meanOfServerMeans(samples: readonly Sample[]): {
  avgCpu: number | null;
  perServer: Record<string, number>;
} {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const s of samples) {
    const acc = sums.get(s.serverId) ?? { sum: 0, n: 0 };
    acc.sum += s.cpu;
    acc.n += 1;
    sums.set(s.serverId, acc);
  }
  const perServer: Record<string, number> = {};
  for (const [id, { sum, n }] of sums) perServer[id] = sum / n;
  const means = Object.values(perServer);
  return { avgCpu: means.length === 0 ? null : means.reduce((a, b) => a + b, 0) / means.length, perServer };
}

/** A `MetricsStore` held in a `Map`; `close()` empties it. */
export class MemoryMetricsStore implements MetricsStore {
  private readonly byKey = new Map<string, Sample>();

  /** Stores copies of `samples`; a second write of the same (serverId, ts) replaces the first. */
  async write(samples: Sample[]): Promise<void> {
    for (const s of samples) this.byKey.set(`${s.serverId}\u0000${s.ts}`, { ...s });
  }

  /** Zone average CPU % over `since <= ts < until` (epoch ms). */
  async zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu> {
    const inWindow = this.all().filter((s) => s.zone === zone && s.ts >= since && s.ts < until);
    return { zone, ...meanOfServerMeans(inWindow), samples: inWindow.length };
  }

  /** Newest sample of each server with `ts >= since`, ordered by server id. */
  async latest(since: number): Promise<Sample[]> {
    const newest = new Map<string, Sample>();
    for (const s of this.all()) {
      if (s.ts < since) continue;
      const cur = newest.get(s.serverId);
      if (!cur || s.ts > cur.ts) newest.set(s.serverId, s);
    }
    return [...newest.values()].sort((a, b) => a.serverId.localeCompare(b.serverId)).map((s) => ({ ...s }));
  }

  /**
   * Zone CPU % per bucket: buckets start at multiples of `stepMs` (epoch-aligned), only buckets
   * holding samples with `ts >= since` appear, oldest first; each is a mean of server means.
   * @throws RangeError when `stepMs` is not a positive number.
   */
  async history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]> {
    if (!(stepMs > 0)) throw new RangeError(`stepMs must be positive, got ${stepMs}`);
    const buckets = new Map<number, Sample[]>();
    for (const s of this.all()) {
      if (s.zone !== zone || s.ts < since) continue;
      const t = Math.floor(s.ts / stepMs) * stepMs;
      const list = buckets.get(t) ?? [];
      list.push(s);
      buckets.set(t, list);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, list]) => ({ t, cpu: meanOfServerMeans(list).avgCpu ?? 0 }));
  }

  /** Deletes samples with `ts < before` (epoch ms). */
  async prune(before: number): Promise<void> {
    for (const [k, s] of this.byKey) if (s.ts < before) this.byKey.delete(k);
  }

  async close(): Promise<void> {
    this.byKey.clear();
  }

  private all(): Sample[] {
    return [...this.byKey.values()];
  }
}
