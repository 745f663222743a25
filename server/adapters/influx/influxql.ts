/**
 * The InfluxQL statements the 1.x dialect of the InfluxDB store runs and the Flux queries of the
 * 2.x dialect (pure string builders, so they are unit-tested without a server), and the quoting
 * rules they use. Times are epoch ms (InfluxQL: the `ms` suffix; Flux: `time(v: ns)`); windows are
 * half-open (`since <= time < until`). Samples are points of measurement `sample` tagged
 * `server_id`, `zone` and `source` (absent on points from before sources: read as `app`).
 */

/** Which HTTP API a server speaks: `v2` (/api/v2, Flux) or `v1` (/write, InfluxQL). */
export type InfluxDialect = 'v1' | 'v2';

/** The measurement every sample is written to. */
export const MEASUREMENT = 'sample';

/** The averaged metrics as stored field names (`Sample` name → field). */
export const AVERAGED_FIELDS = {
  cpu: 'cpu',
  memoryMb: 'memory_mb',
  rps: 'rps',
  inFlight: 'in_flight',
  p95Ms: 'p95_ms',
} as const;

/** A double-quoted identifier (database, measurement). */
export function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A single-quoted InfluxQL string literal. */
export function quoteTag(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A double-quoted Flux string literal. */
export function quoteString(s: string): string {
  return JSON.stringify(s);
}

const aggregates = Object.values(AVERAGED_FIELDS)
  .map((f) => `MEAN("${f}") AS "${f}_mean", COUNT("${f}") AS "${f}_n"`)
  .join(', ');

/** The statements of the 1.x dialect, over measurement `sample`. */
export const influxql = {
  /** Per-(server, source) mean and count of each averaged field in the zone's window: one query. */
  zoneAggregates: (zone: string, since: number, until: number) =>
    `SELECT ${aggregates} FROM "sample" WHERE "zone" = ${quoteTag(zone)} AND time >= ${since}ms AND time < ${until}ms GROUP BY "server_id", "source"`,
  /** The newest point of each (server, source) since `since`. */
  latest: (since: number) =>
    `SELECT * FROM "sample" WHERE time >= ${since}ms GROUP BY "server_id", "source" ORDER BY time DESC LIMIT 1`,
  /** Raw `cpu` of the zone since `since`, per (server, source) (bucketed by the caller). */
  history: (zone: string, since: number) =>
    `SELECT "cpu" FROM "sample" WHERE "zone" = ${quoteTag(zone)} AND time >= ${since}ms GROUP BY "server_id", "source"`,
  /** Raw `in_flight` of the zone's balancer points in the window, per server (summed per second by the caller). */
  inFlight: (zone: string, since: number, until: number) =>
    `SELECT "in_flight" FROM "sample" WHERE "zone" = ${quoteTag(zone)} AND "source" = 'balancer' AND time >= ${since}ms AND time < ${until}ms GROUP BY "server_id"`,
  /** Deletes points older than `before`. */
  prune: (before: number) => `DELETE FROM "sample" WHERE time < ${before}ms`,
};

/** The stop of an open-ended range: 2200-01-01 (Flux's default stop is now(), which would drop a sample stamped slightly ahead). */
const OPEN_END_MS = Date.UTC(2200, 0, 1);

/**
 * `from |> range |> filter(measurement)` over `since <= time < until` (null: open-ended). The stop
 * is also a `_time <` filter: InfluxDB 1.8's storage read includes a point exactly at `stop`
 * (seen against 1.8.3: a point at `until` was counted), where Flux documents `stop` as exclusive.
 */
function range(bucket: string, since: number, until: number | null): string {
  const start = `time(v: ${BigInt(since) * 1_000_000n})`;
  const stopAt = until === null ? null : `time(v: ${BigInt(until) * 1_000_000n})`;
  return `from(bucket: ${quoteString(bucket)})
  |> range(start: ${start}, stop: ${stopAt ?? `time(v: ${BigInt(OPEN_END_MS) * 1_000_000n})`})
  |> filter(fn: (r) => r._measurement == "${MEASUREMENT}"${stopAt ? ` and r._time < ${stopAt}` : ''})`;
}

const averagedFilter = Object.values(AVERAGED_FIELDS)
  .map((f) => `r._field == "${f}"`)
  .join(' or ');

/** The queries of the 2.x dialect (Flux). */
export const flux = {
  /** Per (server, source, field): sum and count of the averaged fields in the zone's window. */
  zoneAggregates: (
    bucket: string,
    zone: string,
    since: number,
    until: number,
  ) => `${range(bucket, since, until)}
  |> filter(fn: (r) => r.zone == ${quoteString(zone)} and (${averagedFilter}))
  |> group(columns: ["server_id", "source", "_field"])
  |> reduce(identity: {sum: 0.0, count: 0}, fn: (r, accumulator) => ({sum: accumulator.sum + float(v: r._value), count: accumulator.count + 1}))`,
  /** The newest point of each (server, source) since `since`, fields pivoted into columns. */
  latest: (bucket: string, since: number) => `${range(bucket, since, null)}
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group(columns: ["server_id", "source"])
  |> sort(columns: ["_time"], desc: true)
  |> limit(n: 1)`,
  /** Raw `in_flight` of the zone's balancer points in the window. */
  inFlight: (bucket: string, zone: string, since: number, until: number) => `${range(bucket, since, until)}
  |> filter(fn: (r) => r._field == "in_flight" and r.zone == ${quoteString(zone)} and r.source == "balancer")
  |> keep(columns: ["_time", "server_id", "_value"])`,
  /** Raw `cpu` of the zone since `since`. */
  history: (bucket: string, zone: string, since: number) => `${range(bucket, since, null)}
  |> filter(fn: (r) => r._field == "cpu" and r.zone == ${quoteString(zone)})
  |> keep(columns: ["_time", "server_id", "source", "_value"])`,
};
