/**
 * The embedded-default `MetricsStore`: one SQLite file per cluster at
 * `<dataDir>/<cluster>/metrics.sqlite` (bun:sqlite). Several processes open the same file — the
 * collector writes, every monitor reads — so it runs in WAL mode (readers never block the writer)
 * with a busy timeout. Samples are keyed by (server_id, source, ts), so a re-sent sample is stored
 * once; absent fields are NULL. Per-(server, source) means are one grouped SQL query; the shared
 * rules of `metrics-aggregate.ts` turn them into zone CPU and per-server metrics.
 */
import type { Database } from 'bun:sqlite';
import { join } from 'node:path';
import type { CpuPoint, Sample, SampleInput, ZoneId } from '../../shared/types.ts';
import { type ConcurrencyPoint, concurrencySeries } from '../concurrency-series.ts';
import {
  bucketHistory,
  METRIC_FIELDS,
  type SourceAggregate,
  STORED_NAME,
  sourceOf,
  toSample,
  zoneCpuFrom,
  zoneMetricsFrom,
} from '../metrics-aggregate.ts';
import type { MetricsStore, ZoneCpu, ZoneMetrics } from '../metrics-store.ts';
import { openWalDatabase } from './open-wal.ts';

/** How long a statement waits for another process's lock before failing, ms. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** Path of the cluster's metrics file: `<dataDir>/<cluster>/metrics.sqlite`. */
export function metricsStorePath(dataDir: string, cluster: string): string {
  return join(dataDir, cluster, 'metrics.sqlite');
}

const COLUMNS = `
  server_id   TEXT    NOT NULL,
  zone        TEXT    NOT NULL,
  ts          INTEGER NOT NULL,
  source      TEXT    NOT NULL DEFAULT 'app',
  cpu         REAL,
  memory_mb   REAL,
  throughput  REAL,
  healthy     INTEGER,
  scenario    TEXT,
  rps         REAL,
  in_flight   REAL,
  p50_ms      REAL,
  p95_ms      REAL,
  p99_ms      REAL,
  error_rate  REAL,
  PRIMARY KEY (server_id, source, ts)`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS samples (${COLUMNS}) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_zone_ts ON samples (zone, ts);
CREATE INDEX IF NOT EXISTS samples_ts ON samples (ts);
`;

/**
 * A file from before sample sources (key (server_id, ts), every column NOT NULL) is moved to the
 * new table once, its rows becoming `app` samples; run inside an immediate transaction so two
 * processes opening the file at once migrate it once.
 */
const MIGRATE_V1 = `
ALTER TABLE samples RENAME TO samples_v1;
DROP INDEX IF EXISTS samples_zone_ts;
DROP INDEX IF EXISTS samples_ts;
${SCHEMA}
INSERT INTO samples (server_id, zone, ts, source, cpu, memory_mb, throughput, healthy, scenario)
  SELECT server_id, zone, ts, 'app', cpu, memory_mb, throughput, healthy, scenario FROM samples_v1;
DROP TABLE samples_v1;
`;

type Row = { server_id: string; zone: string; ts: number; source: string } & Record<string, unknown>;

const rowToSample = (r: Row): Sample =>
  toSample(r.server_id, r.zone, r.ts, sourceOf(r.source), (f) => r[STORED_NAME[f]]);

/** Per (server, source): sample count, and mean and count of each averaged metric. */
const AGGREGATE = `SELECT server_id, source, COUNT(*) AS n, ${METRIC_FIELDS.map(
  (f) => `AVG(${STORED_NAME[f]}) AS ${STORED_NAME[f]}_mean, COUNT(${STORED_NAME[f]}) AS ${STORED_NAME[f]}_n`,
).join(', ')}
  FROM samples WHERE zone = $zone AND ts >= $since AND ts < $until GROUP BY server_id, source`;

function toAggregate(r: Record<string, unknown>): SourceAggregate {
  const metrics: SourceAggregate['metrics'] = {};
  for (const f of METRIC_FIELDS) {
    const count = Number(r[`${STORED_NAME[f]}_n`]);
    if (count > 0) metrics[f] = { mean: Number(r[`${STORED_NAME[f]}_mean`]), count };
  }
  return { server: String(r.server_id), source: sourceOf(r.source), samples: Number(r.n), metrics };
}

/** A `MetricsStore` over one SQLite file; open it with `openSqliteMetricsStore` or `new` + a path. */
export class SqliteMetricsStore implements MetricsStore {
  private readonly db: Database;
  private closed = false;

  /** Opens (creating or migrating if needed) the database at `path`, or `:memory:`. @throws on an unreadable file. */
  constructor(readonly path: string) {
    this.db = openWalDatabase(path, SQLITE_BUSY_TIMEOUT_MS);
    this.db
      .transaction(() => {
        const cols = this.db.query<{ name: string }, []>('PRAGMA table_info(samples)').all();
        if (cols.length > 0 && !cols.some((c) => c.name === 'source')) this.db.exec(MIGRATE_V1);
        else this.db.exec(SCHEMA);
      })
      .immediate();
  }

  /** Upserts `samples` in one transaction; the same (serverId, source, ts) replaces the stored row. */
  async write(samples: readonly SampleInput[]): Promise<void> {
    if (samples.length === 0) return;
    const cols = Object.values(STORED_NAME);
    const insert = this.db.query(
      `INSERT OR REPLACE INTO samples (server_id, zone, ts, source, ${cols.join(', ')})
       VALUES ($serverId, $zone, $ts, $source, ${cols.map((c) => `$${c}`).join(', ')})`,
    );
    this.db.transaction((batch: readonly SampleInput[]) => {
      for (const s of batch) {
        const params: Record<string, string | number | null> = {
          serverId: s.serverId,
          zone: s.zone,
          ts: s.ts,
          source: s.source ?? 'app',
        };
        for (const [f, c] of Object.entries(STORED_NAME)) {
          const v = s[f as keyof typeof STORED_NAME];
          params[c] = v === undefined || v === null ? null : typeof v === 'boolean' ? Number(v) : v;
        }
        insert.run(params);
      }
    })(samples);
  }

  /** Zone average CPU % over `since <= ts < until` (epoch ms), from one grouped query. */
  async zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu> {
    return zoneCpuFrom(zone, this.aggregates(zone, since, until));
  }

  /** Per-server metrics of `zone` over `since <= ts < until` (epoch ms), from one grouped query. */
  async zoneMetrics(zone: ZoneId, since: number, until: number): Promise<ZoneMetrics> {
    return zoneMetricsFrom(zone, this.aggregates(zone, since, until));
  }

  /** Newest sample of each (server, source) with `ts >= since`, ordered by server id then source. */
  async latest(since: number): Promise<Sample[]> {
    return this.db
      .query<Row, { since: number }>(
        `SELECT s.* FROM samples s
         JOIN (SELECT server_id, source, MAX(ts) AS ts FROM samples WHERE ts >= $since GROUP BY server_id, source) m
           ON s.server_id = m.server_id AND s.source = m.source AND s.ts = m.ts
         ORDER BY s.server_id, s.source`,
      )
      .all({ since })
      .map(rowToSample);
  }

  /**
   * Zone CPU % per epoch-aligned bucket of `stepMs` for samples with `ts >= since`, oldest first;
   * each bucket is a mean of server CPUs (agent preferred); empty buckets are skipped.
   * @throws RangeError when `stepMs` is not a positive number.
   */
  async history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]> {
    const step = Math.floor(stepMs);
    if (!(step > 0)) throw new RangeError(`stepMs must be a positive integer, got ${stepMs}`);
    const rows = this.db
      .query<{ t: number; server_id: string; source: string; cpu: number }, { zone: string; since: number }>(
        `SELECT ts AS t, server_id, source, cpu FROM samples
         WHERE zone = $zone AND ts >= $since AND cpu IS NOT NULL`,
      )
      .all({ zone, since });
    return bucketHistory(
      rows.map((r) => ({ t: r.t, server: r.server_id, source: sourceOf(r.source), cpu: r.cpu })),
      step,
    );
  }

  /** Per-second summed in-flight requests of `zone`'s balancer samples over `since <= ts < until`. */
  async zoneConcurrencySeries(zone: ZoneId, since: number, until: number): Promise<ConcurrencyPoint[]> {
    const rows = this.db
      .query<
        { t: number; server_id: string; in_flight: number },
        { zone: string; since: number; until: number }
      >(
        `SELECT ts AS t, server_id, in_flight FROM samples
         WHERE zone = $zone AND ts >= $since AND ts < $until AND source = 'balancer' AND in_flight IS NOT NULL`,
      )
      .all({ zone, since, until });
    return concurrencySeries(rows.map((r) => ({ t: r.t, server: r.server_id, inFlight: r.in_flight })));
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

  private aggregates(zone: ZoneId, since: number, until: number): SourceAggregate[] {
    return this.db
      .query<Record<string, unknown>, { zone: string; since: number; until: number }>(AGGREGATE)
      .all({ zone, since, until })
      .map(toAggregate);
  }
}

/** Opens the cluster's metrics store at `<dataDir>/<cluster>/metrics.sqlite`. */
export function openSqliteMetricsStore(dataDir: string, cluster: string): SqliteMetricsStore {
  return new SqliteMetricsStore(metricsStorePath(dataDir, cluster));
}
