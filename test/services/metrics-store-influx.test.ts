/**
 * The InfluxDB store against both real InfluxDBs of scripts/services.sh — Debian's 1.6.7 (the 1.x
 * dialect: /write, InfluxQL) and 1.8.3 built from source (the 2.x dialect: /api/v2/write, Flux,
 * bucket `<db>/autogen`), each detected from /ping: the shared metrics-store contract, each case in
 * a fresh database dropped afterwards, and that the dialect was detected rather than forced. Fails
 * with CI=true when either InfluxDB is absent.
 */
import { describe, expect, test } from 'bun:test';
import {
  dialectFor,
  type InfluxMetricsStore,
  openInfluxMetricsStore,
  pingVersion,
} from '../../server/adapters/influx/metrics-store-influx.ts';
import { metricsStoreContract } from '../../server/adapters/metrics-store.contract.ts';
import { RUN_ID, requireService, SERVICES } from './services.ts';

const ok = await requireService('influx');
const ok18 = await requireService('influx18');
let n = 0;
let current: InfluxMetricsStore | null = null;

/** The contract on `url`; `bucket(db)` names the store's bucket for database `db`. */
function contractOn(name: string, url: string, bucket: (db: string) => string): void {
  metricsStoreContract(
    name,
    async () => {
      current = await openInfluxMetricsStore({ url, bucket: bucket(`zs_test_${RUN_ID}_${++n}`) });
      return current;
    },
    async () => {
      const db = `zs_test_${RUN_ID}_${n}`;
      await current?.v1Query(`DROP DATABASE "${db}"`, 'POST', db).catch(() => {});
    },
  );
}

if (ok) contractOn('influx 1.6 (1.x API)', SERVICES.influxUrl, (db) => db);
if (ok18) contractOn('influx 1.8 (2.x API)', SERVICES.influx18Url, (db) => `${db}/autogen`);

describe.skipIf(!ok18)('InfluxDB 1.8', () => {
  test('speaks the 2.x API: the store picks v2 from /ping and its writes are read back by Flux', async () => {
    const db = `zs_test_${RUN_ID}_v2`;
    const store = await openInfluxMetricsStore({ url: SERVICES.influx18Url, bucket: `${db}/autogen` });
    try {
      expect(await pingVersion(SERVICES.influx18Url)).toStartWith('1.8.');
      expect(store.dialect).toBe('v2');
      await store.write([{ serverId: 'a', zone: 'zone1', ts: Date.now(), source: 'agent', cpu: 12.5 }]);
      expect((await store.latest(Date.now() - 60_000)).map((s) => [s.source, s.cpu])).toEqual([
        ['agent', 12.5],
      ]);
    } finally {
      await store.v1Query(`DROP DATABASE "${db}"`, 'POST', db).catch(() => {});
    }
  });
});

describe.skipIf(!ok)('InfluxDB dialect detection', () => {
  test('the store picks the API from /ping’s X-Influxdb-Version', async () => {
    const version = await pingVersion(SERVICES.influxUrl);
    const store = await openInfluxMetricsStore({ url: SERVICES.influxUrl, bucket: `zs_test_${RUN_ID}_ping` });
    try {
      expect(version).not.toBe('');
      expect(store.dialect).toBe(dialectFor(version));
    } finally {
      await store.v1Query(`DROP DATABASE "zs_test_${RUN_ID}_ping"`, 'POST').catch(() => {});
    }
  });
});
