/**
 * Samples to InfluxDB points and back: a sample as one line-protocol `Point` of measurement
 * `sample` (tags `server_id`, `source`, `zone`; its present fields under their stored names; ms
 * timestamp), a stored row's columns as a `Sample`, and a (server, source)'s per-field mean and
 * count as a `SourceAggregate`. Used by `metrics-store-influx.ts` for both dialects.
 */
import { Point } from '@influxdata/influxdb-client';
import type { SampleInput } from '../../shared/types.ts';
import {
  type MeanCount,
  type MetricField,
  SAMPLE_VALUE_FIELDS,
  type SourceAggregate,
  STORED_NAME,
  sourceOf,
  toSample,
} from '../metrics-aggregate.ts';
import { AVERAGED_FIELDS, MEASUREMENT } from './influxql.ts';

/** One sample as a `Point` (line protocol, ms precision); absent and null fields are left out. */
export function samplePoint(s: SampleInput): Point {
  const p = new Point(MEASUREMENT)
    .tag('server_id', s.serverId)
    .tag('source', s.source ?? 'app')
    .tag('zone', s.zone)
    .timestamp(s.ts);
  for (const f of SAMPLE_VALUE_FIELDS) {
    const v = s[f];
    if (v === undefined || v === null) continue;
    if (typeof v === 'boolean') p.booleanField(STORED_NAME[f], v);
    else if (typeof v === 'string') p.stringField(STORED_NAME[f], v);
    else p.floatField(STORED_NAME[f], v);
  }
  return p;
}

/** A stored point's columns (by stored field name) as a `Sample`. */
export function pointToSample(
  serverId: string,
  zone: string,
  ts: number,
  source: unknown,
  col: (name: string) => unknown,
) {
  return toSample(serverId, zone, ts, sourceOf(source), (f) => col(STORED_NAME[f]));
}

/** `Sample` name of each averaged stored field. */
const METRIC_OF = Object.fromEntries(Object.entries(AVERAGED_FIELDS).map(([k, v]) => [v, k])) as Record<
  string,
  MetricField
>;

/** Builds one (server, source) aggregate from stored-field → (mean, count). */
export function aggregateOf(
  server: string,
  source: unknown,
  fields: Map<string, MeanCount>,
): SourceAggregate {
  const metrics: SourceAggregate['metrics'] = {};
  let samples = 0;
  for (const [field, mc] of fields) {
    const metric = METRIC_OF[field];
    if (!metric || mc.count === 0) continue;
    metrics[metric] = mc;
    samples = Math.max(samples, mc.count);
  }
  return { server, source: sourceOf(source), samples, metrics };
}
