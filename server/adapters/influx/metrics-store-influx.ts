/**
 * The real `MetricsStore` on InfluxDB, as the source design keeps its samples. Each sample is one
 * point of measurement `sample` with tags `server_id`, `zone` and `source`, the sample's present
 * fields (`cpu`, `memory_mb`, `throughput`, `rps`, `in_flight`, `p50_ms`, `p95_ms`, `p99_ms`,
 * `error_rate` floats, `healthy` bool, `scenario` string; a null latency is left out) and a
 * millisecond timestamp, written as line protocol built with the client's `Point` (`points.ts`); a
 * point with the same tags and time overwrites, so writing a sample twice stores it once per
 * (server, source, ts). Two dialects, picked from `/ping`'s `X-Influxdb-Version`: 1.8+ and 2.x get
 * the 2.x API (`/api/v2/write`, Flux through the client's `QueryApi`, `/api/v2/delete`); older 1.x
 * servers get the 1.x API (`/write`, InfluxQL `/query`, `DELETE`), where the database is created on
 * open. A zone's window is one query (per-(server, source) mean and count of each averaged field);
 * the shared rules of `metrics-aggregate.ts` do the rest. A (server, source)'s sample count is the
 * largest count of its averaged fields (InfluxDB counts fields, not points).
 */
import { InfluxDB } from '@influxdata/influxdb-client';
import type { CpuPoint, Sample, SampleInput, ZoneId } from '../../shared/types.ts';
import { type ConcurrencyPoint, concurrencySeries } from '../concurrency-series.ts';
import {
  bucketHistory,
  type MeanCount,
  type SourceAggregate,
  sourceOf,
  zoneCpuFrom,
  zoneMetricsFrom,
} from '../metrics-aggregate.ts';
import type { MetricsStore, ZoneCpu, ZoneMetrics } from '../metrics-store.ts';
import { AVERAGED_FIELDS, flux, type InfluxDialect, influxql, MEASUREMENT, quoteIdent } from './influxql.ts';
import { aggregateOf, pointToSample, samplePoint } from './points.ts';

export { MEASUREMENT };

/** How long one InfluxDB request may take, ms. */
export const INFLUX_TIMEOUT_MS = 10_000;

/** Options of `openInfluxMetricsStore`. */
export interface InfluxStoreOptions {
  /** Server URL, e.g. `http://127.0.0.1:8086` (env INFLUX_URL). */
  url: string;
  /** 2.x API token (env INFLUX_TOKEN); for 1.8 `user:password`; unused by the 1.x API. */
  token?: string;
  /** 2.x organisation (env INFLUX_ORG); 1.8 ignores it. */
  org?: string;
  /** 2.x bucket, and the 1.x database name (env INFLUX_BUCKET, default `zonescale`). */
  bucket: string;
  /** Force a dialect instead of asking `/ping`. */
  dialect?: InfluxDialect;
}

/**
 * Which API a server speaks, from its version string: `v2` for 1.8 and later (1.8 added the 2.x
 * compatibility endpoints) and 2.x, `v1` otherwise (e.g. Debian's 1.6.7).
 */
export function dialectFor(version: string): InfluxDialect {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return 'v2';
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 1 || (major === 1 && minor >= 8) ? 'v2' : 'v1';
}

/** Asks `/ping` for `X-Influxdb-Version`. @throws Error when the server does not answer 204. */
export async function pingVersion(url: string): Promise<string> {
  const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(INFLUX_TIMEOUT_MS) });
  if (res.status !== 204) throw new Error(`InfluxDB at ${url} answered /ping with ${res.status}`);
  return res.headers.get('X-Influxdb-Version') ?? '';
}

/**
 * Opens the store: detects the dialect (unless given) and, on a 1.x server (either dialect),
 * creates the database. @throws Error when the server does not answer.
 */
export async function openInfluxMetricsStore(opts: InfluxStoreOptions): Promise<InfluxMetricsStore> {
  const version = opts.dialect ? '' : await pingVersion(opts.url);
  const dialect = opts.dialect ?? dialectFor(version);
  // A 1.x server keeps databases: created here (for 1.8's 2.x API, the `<db>` of bucket `<db>/<rp>`).
  const db =
    dialect === 'v1' ? opts.bucket : /^v?1\./.test(version) ? (opts.bucket.split('/')[0] ?? '') : null;
  const store = new InfluxMetricsStore(opts, dialect, db);
  if (db) await store.v1Query(`CREATE DATABASE ${quoteIdent(db)}`, 'POST', db);
  return store;
}

/** A `MetricsStore` in InfluxDB (see the module comment for the schema and dialects). */
export class InfluxMetricsStore implements MetricsStore {
  private readonly client: InfluxDB;

  /**
   * `v1Db`: the database on a 1.x server (null on 2.x). 1.8 serves /api/v2/write and Flux but not
   * /api/v2/delete, so there pruning is InfluxQL's `DELETE` on that database.
   */
  constructor(
    private readonly opts: InfluxStoreOptions,
    readonly dialect: InfluxDialect,
    private readonly v1Db: string | null = dialect === 'v1' ? opts.bucket : null,
  ) {
    this.client = new InfluxDB({ url: opts.url, token: opts.token, timeout: INFLUX_TIMEOUT_MS });
  }

  /** @throws Error when InfluxDB refuses or cannot be reached (the collector then retries). */
  async write(samples: readonly SampleInput[]): Promise<void> {
    if (samples.length === 0) return;
    const lines = samples.map((s) => samplePoint(s).toLineProtocol()).filter((l): l is string => !!l);
    if (this.dialect === 'v1') {
      await this.request(
        `/write?db=${encodeURIComponent(this.opts.bucket)}&precision=ms`,
        'POST',
        lines.join('\n'),
      );
      return;
    }
    const api = this.client.getWriteApi(this.opts.org ?? '', this.opts.bucket, 'ms', {
      maxRetries: 0,
      batchSize: lines.length + 1,
    });
    api.writeRecords(lines);
    await api.close();
  }

  async zoneCpu(zone: ZoneId, since: number, until: number): Promise<ZoneCpu> {
    return zoneCpuFrom(zone, await this.aggregates(zone, since, until));
  }

  async zoneMetrics(zone: ZoneId, since: number, until: number): Promise<ZoneMetrics> {
    return zoneMetricsFrom(zone, await this.aggregates(zone, since, until));
  }

  async latest(since: number): Promise<Sample[]> {
    let out: Sample[];
    if (this.dialect === 'v1') {
      const series = await this.v1Select(influxql.latest(since));
      out = series.flatMap((s) => {
        const row = s.values[0];
        if (!row) return [];
        const col = (name: string) => row[s.columns.indexOf(name)];
        return [
          pointToSample(s.tags?.server_id ?? '', String(col('zone')), row[0] as number, s.tags?.source, col),
        ];
      });
    } else {
      const rows = await this.flux<Record<string, unknown>>(flux.latest(this.opts.bucket, since));
      out = rows.map((r) =>
        pointToSample(
          String(r.server_id),
          String(r.zone),
          Date.parse(String(r._time)),
          r.source,
          (n) => r[n],
        ),
      );
    }
    const key = (s: Sample) => `${s.serverId}\u0000${s.source}`;
    return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }

  async history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]> {
    if (this.dialect === 'v1') {
      const series = await this.v1Select(influxql.history(zone, since));
      const rows = series.flatMap((s) =>
        s.values.map((v) => ({
          t: v[0] as number,
          server: s.tags?.server_id ?? '',
          source: sourceOf(s.tags?.source),
          cpu: Number(v[1]),
        })),
      );
      return bucketHistory(rows, stepMs);
    }
    const rows = await this.flux<{ _time: string; server_id: string; source?: string; _value: number }>(
      flux.history(this.opts.bucket, zone, since),
    );
    return bucketHistory(
      rows.map((r) => ({
        t: Date.parse(r._time),
        server: r.server_id,
        source: sourceOf(r.source),
        cpu: r._value,
      })),
      stepMs,
    );
  }

  /** Per-second summed in-flight requests of `zone`'s balancer points over `since <= ts < until`. */
  async zoneConcurrencySeries(zone: ZoneId, since: number, until: number): Promise<ConcurrencyPoint[]> {
    if (this.dialect === 'v1') {
      const series = await this.v1Select(influxql.inFlight(zone, since, until));
      return concurrencySeries(
        series.flatMap((s) =>
          s.values.map((v) => ({
            t: v[0] as number,
            server: s.tags?.server_id ?? '',
            inFlight: Number(v[1]),
          })),
        ),
      );
    }
    const rows = await this.flux<{ _time: string; server_id: string; _value: number }>(
      flux.inFlight(this.opts.bucket, zone, since, until),
    );
    return concurrencySeries(
      rows.map((r) => ({ t: Date.parse(r._time), server: r.server_id, inFlight: r._value })),
    );
  }

  /** Per-(server, source) means of the averaged fields in the window, from one query. */
  private async aggregates(zone: ZoneId, since: number, until: number): Promise<SourceAggregate[]> {
    const groups = new Map<string, { server: string; source: unknown; fields: Map<string, MeanCount> }>();
    const add = (server: string, source: unknown, field: string, mc: MeanCount) => {
      const k = `${server}\u0000${sourceOf(source)}`;
      const g = groups.get(k) ?? { server, source, fields: new Map() };
      g.fields.set(field, mc);
      groups.set(k, g);
    };
    if (this.dialect === 'v1') {
      for (const s of await this.v1Select(influxql.zoneAggregates(zone, since, until))) {
        const row = s.values[0] ?? [];
        for (const f of Object.values(AVERAGED_FIELDS)) {
          const count = Number(row[s.columns.indexOf(`${f}_n`)] ?? 0);
          if (count > 0)
            add(s.tags?.server_id ?? '', s.tags?.source, f, {
              mean: Number(row[s.columns.indexOf(`${f}_mean`)]),
              count,
            });
        }
      }
    } else {
      const rows = await this.flux<{
        server_id: string;
        source?: string;
        _field: string;
        sum: number;
        count: number;
      }>(flux.zoneAggregates(this.opts.bucket, zone, since, until));
      for (const r of rows)
        if (r.count > 0) add(r.server_id, r.source, r._field, { mean: r.sum / r.count, count: r.count });
    }
    return [...groups.values()].map((g) => aggregateOf(g.server, g.source, g.fields));
  }

  async prune(before: number): Promise<void> {
    if (this.v1Db !== null) {
      await this.v1Query(influxql.prune(before), 'POST', this.v1Db);
      return;
    }
    const qs = new URLSearchParams({ org: this.opts.org ?? '', bucket: this.opts.bucket });
    await this.request(
      `/api/v2/delete?${qs}`,
      'POST',
      JSON.stringify({
        start: new Date(0).toISOString(),
        stop: new Date(Math.max(0, before - 1)).toISOString(),
        predicate: `_measurement="${MEASUREMENT}"`,
      }),
      'application/json',
    );
  }

  async close(): Promise<void> {}

  /** Runs an InfluxQL statement on the 1.x API. @throws Error on an HTTP or statement error */
  async v1Query(q: string, method: 'GET' | 'POST' = 'GET', db = this.opts.bucket): Promise<V1Result> {
    const qs = new URLSearchParams({ q, db, epoch: 'ms' });
    const body = (await (await this.request(`/query?${qs}`, method)).json()) as { results?: V1Result[] };
    const result = body.results?.[0] ?? {};
    if (result.error) throw new Error(`InfluxQL error: ${result.error}`);
    return result;
  }

  private async v1Select(q: string): Promise<V1Series[]> {
    return (await this.v1Query(q)).series ?? [];
  }

  private async flux<T>(query: string): Promise<T[]> {
    return this.client.getQueryApi(this.opts.org ?? '').collectRows<T>(query);
  }

  private async request(path: string, method: string, body?: string, type = 'text/plain'): Promise<Response> {
    const headers: Record<string, string> = { 'Content-Type': type };
    if (this.opts.token) headers.Authorization = `Token ${this.opts.token}`;
    const res = await fetch(`${this.opts.url}${path}`, {
      method,
      body,
      headers,
      signal: AbortSignal.timeout(INFLUX_TIMEOUT_MS),
    });
    if (!res.ok)
      throw new Error(`InfluxDB ${method} ${path.split('?')[0]} answered ${res.status}: ${await res.text()}`);
    return res;
  }
}

/** One 1.x result: `series` of rows, or an `error`. */
export interface V1Result {
  series?: V1Series[];
  error?: string;
}

/** One 1.x series: `values[i][0]` is the time (epoch ms with `epoch=ms`). */
export interface V1Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}
