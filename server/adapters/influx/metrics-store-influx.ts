/**
 * The real `MetricsStore` on InfluxDB, as the source design keeps its samples. Each sample is one
 * point of measurement `sample` with tags `server_id` and `zone`, fields `cpu`, `memory_mb`,
 * `throughput` (floats), `healthy` (bool), `scenario` (string) and a millisecond timestamp, written
 * as line protocol built with the client's `Point`; a point with the same tags and time overwrites,
 * so writing a sample twice stores it once. Two dialects, picked from `/ping`'s
 * `X-Influxdb-Version`: 1.8+ and 2.x get the 2.x API (`/api/v2/write`, Flux through the client's
 * `QueryApi`, `/api/v2/delete`); older 1.x servers get the 1.x API (`/write`, InfluxQL `/query`,
 * `DELETE`), where the database is created on open. Zone CPU over a window is one query (per-server
 * mean and count, grouped by `server_id`); the mean over servers is taken here.
 */
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import type { CpuPoint, Sample, ZoneId } from '../../shared/types.ts';
import type { MetricsStore, ZoneCpu } from '../metrics-store.ts';
import { type InfluxDialect, influxql, quoteIdent, quoteString } from './influxql.ts';

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

/** The measurement every sample is written to. */
export const MEASUREMENT = 'sample';

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

/** One sample as a `Point` (line protocol, ms precision). */
export function samplePoint(s: Sample): Point {
  return new Point(MEASUREMENT)
    .tag('server_id', s.serverId)
    .tag('zone', s.zone)
    .floatField('cpu', s.cpu)
    .floatField('memory_mb', s.memoryMb)
    .floatField('throughput', s.throughput)
    .booleanField('healthy', s.healthy)
    .stringField('scenario', s.scenario)
    .timestamp(s.ts);
}

/** Opens the store: detects the dialect (unless given) and, for 1.x, creates the database. */
export async function openInfluxMetricsStore(opts: InfluxStoreOptions): Promise<InfluxMetricsStore> {
  const dialect = opts.dialect ?? dialectFor(await pingVersion(opts.url));
  const store = new InfluxMetricsStore(opts, dialect);
  if (dialect === 'v1') await store.v1Query(`CREATE DATABASE ${quoteIdent(opts.bucket)}`, 'POST');
  return store;
}

/** Mean over servers of per-server means; `rows` are (server, mean, count). */
function zoneCpuFrom(zone: ZoneId, rows: { server: string; mean: number; count: number }[]): ZoneCpu {
  const perServer: Record<string, number> = {};
  let samples = 0;
  for (const r of rows) {
    if (r.count === 0) continue;
    perServer[r.server] = r.mean;
    samples += r.count;
  }
  const means = Object.values(perServer);
  const avgCpu = means.length > 0 ? means.reduce((a, b) => a + b, 0) / means.length : null;
  return { zone, avgCpu, perServer, samples };
}

/** Epoch-aligned buckets of `stepMs`: mean over servers of each server's mean in the bucket. */
export function bucketHistory(
  rows: { t: number; server: string; cpu: number }[],
  stepMs: number,
): CpuPoint[] {
  const buckets = new Map<number, Map<string, { sum: number; n: number }>>();
  for (const r of rows) {
    const t = Math.floor(r.t / stepMs) * stepMs;
    const servers = buckets.get(t) ?? new Map<string, { sum: number; n: number }>();
    const acc = servers.get(r.server) ?? { sum: 0, n: 0 };
    acc.sum += r.cpu;
    acc.n += 1;
    servers.set(r.server, acc);
    buckets.set(t, servers);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, servers]) => {
      const means = [...servers.values()].map((a) => a.sum / a.n);
      return { t, cpu: means.reduce((a, b) => a + b, 0) / means.length };
    });
}

/** A `MetricsStore` in InfluxDB (see the module comment for the schema and dialects). */
export class InfluxMetricsStore implements MetricsStore {
  private readonly client: InfluxDB;

  constructor(
    private readonly opts: InfluxStoreOptions,
    readonly dialect: InfluxDialect,
  ) {
    this.client = new InfluxDB({ url: opts.url, token: opts.token, timeout: INFLUX_TIMEOUT_MS });
  }

  /** @throws Error when InfluxDB refuses or cannot be reached (the collector then retries). */
  async write(samples: Sample[]): Promise<void> {
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
    if (this.dialect === 'v1') {
      const series = await this.v1Select(influxql.zoneCpu(zone, since, until));
      return zoneCpuFrom(
        zone,
        series.map((s) => ({
          server: s.tags?.server_id ?? '',
          mean: Number(s.values[0]?.[1] ?? 0),
          count: Number(s.values[0]?.[2] ?? 0),
        })),
      );
    }
    const rows = await this.flux<{ server_id: string; sum: number; count: number }>(`
      ${this.range(since, until)}
        |> filter(fn: (r) => r._field == "cpu" and r.zone == ${quoteString(zone)})
        |> group(columns: ["server_id"])
        |> reduce(identity: {sum: 0.0, count: 0}, fn: (r, accumulator) => ({sum: accumulator.sum + r._value, count: accumulator.count + 1}))`);
    return zoneCpuFrom(
      zone,
      rows.map((r) => ({ server: r.server_id, mean: r.sum / r.count, count: r.count })),
    );
  }

  async latest(since: number): Promise<Sample[]> {
    if (this.dialect === 'v1') {
      const series = await this.v1Select(influxql.latest(since));
      return series.flatMap((s) => {
        const row = s.values[0];
        if (!row) return [];
        const col = (name: string) => row[s.columns.indexOf(name)];
        return [toSample(s.tags?.server_id ?? '', String(col('zone')), row[0] as number, col)];
      });
    }
    const rows = await this.flux<Record<string, unknown>>(`
      ${this.range(since, null)}
        |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
        |> group(columns: ["server_id"])
        |> sort(columns: ["_time"], desc: true)
        |> limit(n: 1)`);
    return rows.map((r) =>
      toSample(String(r.server_id), String(r.zone), Date.parse(String(r._time)), (n) => r[n]),
    );
  }

  async history(zone: ZoneId, since: number, stepMs: number): Promise<CpuPoint[]> {
    if (this.dialect === 'v1') {
      const series = await this.v1Select(influxql.history(zone, since));
      const rows = series.flatMap((s) =>
        s.values.map((v) => ({ t: v[0] as number, server: s.tags?.server_id ?? '', cpu: Number(v[1]) })),
      );
      return bucketHistory(rows, stepMs);
    }
    const rows = await this.flux<{ _time: string; server_id: string; _value: number }>(`
      ${this.range(since, null)}
        |> filter(fn: (r) => r._field == "cpu" and r.zone == ${quoteString(zone)})
        |> keep(columns: ["_time", "server_id", "_value"])`);
    return bucketHistory(
      rows.map((r) => ({ t: Date.parse(r._time), server: r.server_id, cpu: r._value })),
      stepMs,
    );
  }

  async prune(before: number): Promise<void> {
    if (this.dialect === 'v1') {
      await this.v1Query(influxql.prune(before), 'POST');
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
  async v1Query(q: string, method: 'GET' | 'POST' = 'GET'): Promise<V1Result> {
    const qs = new URLSearchParams({ q, db: this.opts.bucket, epoch: 'ms' });
    const body = (await (await this.request(`/query?${qs}`, method)).json()) as { results?: V1Result[] };
    const result = body.results?.[0] ?? {};
    if (result.error) throw new Error(`InfluxQL error: ${result.error}`);
    return result;
  }

  private async v1Select(q: string): Promise<V1Series[]> {
    return (await this.v1Query(q)).series ?? [];
  }

  private range(since: number, until: number | null): string {
    const stop = until === null ? '' : `, stop: time(v: ${until * 1e6})`;
    return `from(bucket: ${quoteString(this.opts.bucket)})
        |> range(start: time(v: ${since * 1e6})${stop})
        |> filter(fn: (r) => r._measurement == "${MEASUREMENT}")`;
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

function toSample(serverId: string, zone: string, ts: number, col: (name: string) => unknown): Sample {
  return {
    serverId,
    zone,
    ts,
    cpu: Number(col('cpu')),
    memoryMb: Number(col('memory_mb')),
    throughput: Number(col('throughput')),
    healthy: col('healthy') === true,
    scenario: String(col('scenario')) as Sample['scenario'],
  };
}
