/**
 * A zone's per-second concurrency series for the concurrency policy (Knative's KPA averages the
 * observed concurrency over 1 s buckets): from the balancer's samples (each a server's mean
 * in-flight requests over one second, contracts.md §1), each epoch-aligned second's value is the
 * sum over the zone's servers of their mean `inFlight` in that second. Seconds without a balancer
 * sample are absent (not 0). Shared by every `MetricsStore` adapter, which only fetch the rows.
 */

/** One second of a zone's concurrency: `ts` epoch ms of the bucket start, `concurrency` summed in-flight requests. */
export interface ConcurrencyPoint {
  ts: number;
  concurrency: number;
}

/** A stored balancer row: `t` epoch ms, its server, its `inFlight` (requests). */
export interface InFlightRow {
  t: number;
  server: string;
  inFlight: number;
}

/** The bucket length, ms. */
export const CONCURRENCY_BUCKET_MS = 1_000;

/** Sums `rows` per second (a server's rows in one second are averaged first), oldest first. */
export function concurrencySeries(rows: readonly InFlightRow[]): ConcurrencyPoint[] {
  const buckets = new Map<number, Map<string, { sum: number; n: number }>>();
  for (const r of rows) {
    const ts = Math.floor(r.t / CONCURRENCY_BUCKET_MS) * CONCURRENCY_BUCKET_MS;
    const perServer = buckets.get(ts) ?? new Map<string, { sum: number; n: number }>();
    const cur = perServer.get(r.server) ?? { sum: 0, n: 0 };
    perServer.set(r.server, { sum: cur.sum + r.inFlight, n: cur.n + 1 });
    buckets.set(ts, perServer);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, perServer]) => ({
      ts,
      concurrency: [...perServer.values()].reduce((a, s) => a + s.sum / s.n, 0),
    }));
}
