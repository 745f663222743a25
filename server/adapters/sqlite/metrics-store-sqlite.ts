/**
 * The embedded-default `MetricsStore`: one SQLite file per cluster at
 * `<dataDir>/<cluster>/metrics.sqlite` (bun:sqlite). Several processes open the same file — the
 * collector writes, every monitor reads — so it runs in WAL mode (readers never block the writer)
 * with a busy timeout. Samples are keyed by (server_id, ts), so a re-sent sample is stored once.
 * Aggregations happen in SQL: zone CPU is the mean over servers of each server's mean CPU.
 */
import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CpuPoint, Sample, ZoneId } from '../../shared/types.ts';
import type { MetricsStore, ZoneCpu } from '../metrics-store.ts';

/** How long a statement waits for another process's lock before failing, ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Path of the cluster's metrics file: `<dataDir>/<cluster>/metrics.sqlite`. */
export function metricsStorePath(dataDir: string, cluster: string): string {
  return join(dataDir, cluster, 'metrics.sqlite');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS samples (
  server_id  TEXT    NOT NULL,
  zone       TEXT    NOT NULL,
  ts         INTEGER NOT NULL,
  cpu        REAL    NOT NULL,
  memory_mb  REAL    NOT NULL,
  throughput REAL    NOT NULL,
  healthy    INTEGER NOT NULL,
  scenario   TEXT    NOT NULL,
  PRIMARY KEY (server_id, ts)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_zone_ts ON samples (zone, ts);
CREATE INDEX IF NOT EXISTS samples_ts ON samples (ts);
`;

interface Row {
  server_id: string;
  zone: string;
  ts: number;
  cpu: number;
  memory_mb: number;
  throughput: number;
  healthy: number;
  scenario: Sample['scenario'];
}

const toSample = (r: Row): Sample => ({
  serverId: r.server_id,
  zone: r.zone,
  ts: r.ts,
  cpu: r.cpu,
  memoryMb: r.memory_mb,
  throughput: r.throughput,
  healthy: r.healthy !== 0,
  scenario: r.scenario,
});

/** A `MetricsStore` over one SQLite file; open it with `openSqliteMetricsStore` or `new` + a path. */
export class SqliteMetricsStore implements MetricsStore {
  private readonly db: Database;
  private closed = false;

  /** Opens (creating if needed) the database at `path`, or `:memory:`. @throws on an unreadable file. */
  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { create: true, strict: true });
    this.db.run(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    this.db.run('PRAGMA journal_mode = WAL');
    this.db.run('PRAGMA synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  /** Upserts `samples` in one transaction; the same (serverId, ts) replaces the stored row. */
  async write(samples: Sample[]): Promise<void> {
    if (samples.length === 0) return;
    const insert = this.db.query(
      `INSERT OR REPLACE INTO samples (server_id, zone, ts, cpu, memory_mb, throughput, healthy, scenario)
       VALUES ($serverId, $zone, $ts, $cpu, $memoryMb, $throughput, $healthy, $scenario)`,
    );
    this.db.transaction((batch: Sample[]) => {
      for (const s of batch) insert.run({ ...s, healthy: s.healthy ? 1 : 0 });
    })(samples);
  }

  /** Zone average CPU % over `since <= ts < until` (epoch ms), from one grouped query. */
  async zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu> {
    const rows = this.db
      .query<{ server_id: string; mean: number; n: number }, { zone: string; since: number; until: number }>(
        `SELECT server_id, AVG(cpu) AS mean, COUNT(*) AS n FROM samples
         WHERE zone = $zone AND ts >= $since AND ts < $until GROUP BY server_id ORDER BY server_id`,
      )
      .all({ zone, since, until });
    const perServer: Record<string, number> = {};
    let samples = 0;
    for (const r of rows) {
      perServer[r.server_id] = r.mean;
      samples += r.n;
    }
    const avgCpu = rows.length === 0 ? null : rows.reduce((a, r) => a + r.mean, 0) / rows.length;
    return { zone, avgCpu, perServer, samples };
  }

  /** Newest sample of each server with `ts >= since`, ordered by server id. */
  async latest(since: number): Promise<Sample[]> {
    return this.db
      .query<Row, { since: number }>(
        `SELECT s.* FROM samples s
         JOIN (SELECT server_id, MAX(ts) AS ts FROM samples WHERE ts >= $since GROUP BY server_id) m
           ON s.server_id = m.server_id AND s.ts = m.ts
         ORDER BY s.server_id`,
      )
      .all({ since })
      .map(toSample);
  }

  /**
   * Zone CPU % per epoch-aligned bucket of `stepMs` for samples with `ts >= since`, oldest first;
   * each bucket is a mean of server means; empty buckets are skipped.
   * @throws RangeError when `stepMs` is not a positive number.
   */
  async history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]> {
    const step = Math.floor(stepMs);
    if (!(step > 0)) throw new RangeError(`stepMs must be a positive integer, got ${stepMs}`);
    return this.db
      .query<CpuPoint, { zone: string; since: number; step: number }>(
        `SELECT t, AVG(mean) AS cpu FROM (
           SELECT (ts / $step) * $step AS t, server_id, AVG(cpu) AS mean FROM samples
           WHERE zone = $zone AND ts >= $since GROUP BY t, server_id
         ) GROUP BY t ORDER BY t`,
      )
      .all({ zone, since, step });
  }

  /** Deletes samples with `ts < before` (epoch ms). */
  async prune(before: number): Promise<void> {
    this.db.query('DELETE FROM samples WHERE ts < $before').run({ before });
  }

  /** Closes the database; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Opens the cluster's metrics store at `<dataDir>/<cluster>/metrics.sqlite`. */
export function openSqliteMetricsStore(dataDir: string, cluster: string): SqliteMetricsStore {
  return new SqliteMetricsStore(metricsStorePath(dataDir, cluster));
}
