/**
 * The InfluxDB store's pure parts, without a server: dialect detection from `/ping` versions, the
 * line protocol of a sample, the InfluxQL of the 1.x dialect, and client-side history buckets.
 * The store itself runs the shared contract against a real InfluxDB in test/services/.
 */
import { describe, expect, test } from 'bun:test';
import { sample } from '../metrics-store.contract.ts';
import { influxql, quoteTag } from './influxql.ts';
import { bucketHistory, dialectFor, samplePoint } from './metrics-store-influx.ts';

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
      'sample,server_id=zone1-app-1,zone=zone1 cpu=71.5,healthy=F,memory_mb=100,scenario="high",throughput=0 1700000000123',
    );
  });

  test('zone CPU is one grouped query over a half-open window, with the zone quoted', () => {
    expect(influxql.zoneCpu("z'1", 1000, 2000)).toBe(
      `SELECT MEAN("cpu"), COUNT("cpu") FROM "sample" WHERE "zone" = 'z\\'1' AND time >= 1000ms AND time < 2000ms GROUP BY "server_id"`,
    );
    expect(quoteTag('a\\b')).toBe("'a\\\\b'");
  });

  test('history buckets are epoch-aligned means of server means, oldest first', () => {
    expect(
      bucketHistory(
        [
          { t: 12_100, server: 'a', cpu: 50 },
          { t: 10_000, server: 'a', cpu: 10 },
          { t: 10_500, server: 'a', cpu: 30 },
          { t: 10_900, server: 'b', cpu: 60 },
        ],
        1000,
      ),
    ).toEqual([
      { t: 10_000, cpu: 40 },
      { t: 12_000, cpu: 50 },
    ]);
  });
});
