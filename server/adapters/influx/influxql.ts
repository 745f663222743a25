/**
 * The InfluxQL statements the 1.x dialect of the InfluxDB store runs (pure string builders, so
 * they are unit-tested without a server), and the quoting rules they use. Times are epoch ms,
 * written with the `ms` duration suffix; windows are half-open (`since <= time < until`).
 */

/** Which HTTP API a server speaks: `v2` (/api/v2, Flux) or `v1` (/write, InfluxQL). */
export type InfluxDialect = 'v1' | 'v2';

/** A double-quoted identifier (database, measurement). */
export function quoteIdent(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A single-quoted InfluxQL string literal; also a valid Flux string once double-quoted (see `quoteString`). */
export function quoteTag(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A double-quoted Flux string literal. */
export function quoteString(s: string): string {
  return JSON.stringify(s);
}

/** The statements of the 1.x dialect, over measurement `sample`. */
export const influxql = {
  /** Per-server mean and count of `cpu` in the zone's window: one query. */
  zoneCpu: (zone: string, since: number, until: number) =>
    `SELECT MEAN("cpu"), COUNT("cpu") FROM "sample" WHERE "zone" = ${quoteTag(zone)} AND time >= ${since}ms AND time < ${until}ms GROUP BY "server_id"`,
  /** The newest point of each server since `since`. */
  latest: (since: number) =>
    `SELECT * FROM "sample" WHERE time >= ${since}ms GROUP BY "server_id" ORDER BY time DESC LIMIT 1`,
  /** Raw `cpu` of the zone since `since`, per server (bucketed by the caller). */
  history: (zone: string, since: number) =>
    `SELECT "cpu" FROM "sample" WHERE "zone" = ${quoteTag(zone)} AND time >= ${since}ms GROUP BY "server_id"`,
  /** Deletes points older than `before`. */
  prune: (before: number) => `DELETE FROM "sample" WHERE time < ${before}ms`,
};
