/**
 * In-memory `MetricsStore` fake for unit tests and single-process use: a map keyed by
 * (serverId, source, ts) so writes are idempotent, aggregated with the rules every adapter shares
 * (`metrics-aggregate.ts`). It passes the shared suite in `metrics-store.contract.ts`.
 */
import type { CpuPoint, Sample, SampleInput, ZoneId } from '../shared/types.ts';
import { type ConcurrencyPoint, concurrencySeries } from './concurrency-series.ts';
import { aggregateSamples, bucketHistory, zoneCpuFrom, zoneMetricsFrom } from './metrics-aggregate.ts';
import type { MetricsStore, ZoneCpu, ZoneMetrics } from './metrics-store.ts';

/** A `MetricsStore` held in a `Map`; `close()` empties it. */
export class MemoryMetricsStore implements MetricsStore {
  private readonly byKey = new Map<string, Sample>();

  /** Stores copies of `samples`; a second write of the same (serverId, source, ts) replaces the first. */
  async write(samples: readonly SampleInput[]): Promise<void> {
    for (const s of samples) {
      const source = s.source ?? 'app';
      this.byKey.set(`${s.serverId}\u0000${source}\u0000${s.ts}`, { ...s, source });
    }
  }

  /** Zone average CPU % over `since <= ts < until` (epoch ms). */
  async zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu> {
    return zoneCpuFrom(zone, aggregateSamples(this.window(zone, since, until)));
  }

  /** Per-server metrics of `zone` over `since <= ts < until` (epoch ms). */
  async zoneMetrics(zone: ZoneId, since: number, until: number): Promise<ZoneMetrics> {
    return zoneMetricsFrom(zone, aggregateSamples(this.window(zone, since, until)));
  }

  /** Per-second summed in-flight requests of `zone`'s balancer samples over `since <= ts < until`. */
  async zoneConcurrencySeries(zone: ZoneId, since: number, until: number): Promise<ConcurrencyPoint[]> {
    return concurrencySeries(
      this.window(zone, since, until).flatMap((s) =>
        s.source === 'balancer' && typeof s.inFlight === 'number'
          ? [{ t: s.ts, server: s.serverId, inFlight: s.inFlight }]
          : [],
      ),
    );
  }

  /** Newest sample of each (server, source) with `ts >= since`, ordered by server id then source. */
  async latest(since: number): Promise<Sample[]> {
    const newest = new Map<string, Sample>();
    for (const s of this.byKey.values()) {
      if (s.ts < since) continue;
      const k = `${s.serverId}\u0000${s.source}`;
      const cur = newest.get(k);
      if (!cur || s.ts > cur.ts) newest.set(k, s);
    }
    return [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => ({ ...s }));
  }

  /**
   * Zone CPU % per epoch-aligned bucket of `stepMs` for samples with `ts >= since`, oldest first.
   * @throws RangeError when `stepMs` is not a positive number.
   */
  async history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]> {
    const rows = [...this.byKey.values()].flatMap((s) =>
      s.zone === zone && s.ts >= since && typeof s.cpu === 'number'
        ? [{ t: s.ts, server: s.serverId, source: s.source, cpu: s.cpu }]
        : [],
    );
    return bucketHistory(rows, stepMs);
  }

  /** Deletes samples with `ts < before` (epoch ms). */
  async prune(before: number): Promise<void> {
    for (const [k, s] of this.byKey) if (s.ts < before) this.byKey.delete(k);
  }

  async close(): Promise<void> {
    this.byKey.clear();
  }

  private window(zone: ZoneId, since: number, until: number): Sample[] {
    return [...this.byKey.values()].filter((s) => s.zone === zone && s.ts >= since && s.ts < until);
  }
}
