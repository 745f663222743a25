/**
 * The InfluxDB store's pure parts, without a server: dialect detection from `/ping` versions, the
 * line protocol of a sample, the InfluxQL of the 1.x dialect, and client-side history buckets.
 * The store itself runs the shared contract against a real InfluxDB in test/services/.
 */
import { describe, expect, test } from 'bun:test';
import { bucketHistory } from '../metrics-aggregate.ts';
import { balancerSample, sample } from '../metrics-store.contract.ts';
import { influxql, quoteTag } from './influxql.ts';
import { dialectFor } from './metrics-store-influx.ts';
import { samplePoint } from './points.ts';

describe('InfluxDB dialect', () => {
  test.each([
    ['1.6.7~rc0', 'v1'],
    ['1.7.11', 'v1'],
    ['1.8.10', 'v2'],
    ['v2.7.11', 'v2'],
    ['1.11.8', 'v2'],
    ['OSS', 'v2'],
  ] as const)('version %s speaks the %s API', (version, dialect) => {
    expect(dialectFor(version)).toBe(dialect);
  });
});

describe('InfluxDB encoding', () => {
  test('a sample is one point with server and zone tags, typed fields and a ms timestamp', () => {
    const line = samplePoint(
      sample('zone1-app-1', 1_700_000_000_123, 71.5, { healthy: false, scenario: 'high' }),
    ).toLineProtocol();
    expect(line).toBe(
      'sample,server_id=zone1-app-1,source=app,zone=zone1 cpu=71.5,healthy=F,memory_mb=100,scenario="high",throughput=0 1700000000123',
    );
  });

  test('a balancer sample carries only its request fields; a null latency is left out', () => {
    const line = samplePoint(
      balancerSample('zone1-app-1', 5, { rps: 3, inFlight: 0.5, p95Ms: 7 }),
    ).toLineProtocol();
    expect(line).toBe(
      'sample,server_id=zone1-app-1,source=balancer,zone=zone1 error_rate=0,in_flight=0.5,p95_ms=7,rps=3 5',
    );
  });

  test('a zone window is one query grouped by server and source over a half-open window, with the zone quoted', () => {
    const q = influxql.zoneAggregates("z'1", 1000, 2000);
    expect(q).toStartWith('SELECT MEAN("cpu") AS "cpu_mean", COUNT("cpu") AS "cpu_n", MEAN("memory_mb") AS');
    expect(q).toEndWith(
      `FROM "sample" WHERE "zone" = 'z\\'1' AND time >= 1000ms AND time < 2000ms GROUP BY "server_id", "source"`,
    );
    expect(quoteTag('a\\b')).toBe("'a\\\\b'");
  });

  test('history buckets are epoch-aligned means of server means, oldest first', () => {
    expect(
      bucketHistory(
        [
          { t: 12_100, server: 'a', source: 'app', cpu: 50 },
          { t: 10_000, server: 'a', source: 'app', cpu: 10 },
          { t: 10_500, server: 'a', source: 'app', cpu: 30 },
          { t: 10_900, server: 'b', source: 'app', cpu: 60 },
          { t: 10_900, server: 'b', source: 'agent', cpu: 60 },
        ],
        1000,
      ),
    ).toEqual([
      { t: 10_000, cpu: 40 },
      { t: 12_000, cpu: 50 },
    ]);
  });
});
