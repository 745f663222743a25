/**
 * The InfluxDB store against the real InfluxDB of scripts/services.sh (Debian's 1.6.7, so the 1.x
 * dialect, detected from /ping): the shared metrics-store contract, each case in a fresh database
 * dropped afterwards, and that the dialect was detected rather than forced. Fails with CI=true
 * when InfluxDB is absent.
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
let n = 0;
let current: InfluxMetricsStore | null = null;

if (ok) {
  metricsStoreContract(
    'influx',
    async () => {
      current = await openInfluxMetricsStore({ url: SERVICES.influxUrl, bucket: `zs_test_${RUN_ID}_${++n}` });
      return current;
    },
    async () => {
      await current?.v1Query(`DROP DATABASE "zs_test_${RUN_ID}_${n}"`, 'POST').catch(() => {});
    },
  );
}

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
