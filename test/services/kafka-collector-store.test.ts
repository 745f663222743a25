/**
 * The three sample sources end to end on real services: app and agent samples on Kafka's samples
 * topic and a balancer's request samples on the requests topic, consumed by the collector role
 * (its default consumer group, both topics) and written into a real InfluxDB — Debian's 1.6.7 (1.x
 * API) and 1.8.3 (2.x API, bucket `<db>/autogen`) — where `zoneMetrics` gives each server the
 * agent's CPU over the app's and the balancer's request metrics. Each run uses its own zone,
 * cluster (so consumer group) and database. Fails with CI=true when a service is absent.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import {
  type InfluxMetricsStore,
  openInfluxMetricsStore,
} from '../../server/adapters/influx/metrics-store-influx.ts';
import { REQUESTS_TOPIC, SAMPLES_TOPIC } from '../../server/adapters/kafka/kafka.ts';
import { KafkaMetricsPublisher } from '../../server/adapters/kafka/metrics-bus-kafka.ts';
import { balancerSample } from '../../server/adapters/metrics-store.contract.ts';
import { windowSample } from '../../server/balancer/request-metrics.ts';
import { startCollector } from '../../server/collector/start.ts';
import { CollectorConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import { eventually, RUN_ID, requireService, SERVICES } from './services.ts';

const ok = await requireService('kafka', 'influx', 'influx18');
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
}, 60_000);

function publisher(topic: string, id: string): KafkaMetricsPublisher {
  const p = new KafkaMetricsPublisher({ brokers: SERVICES.kafkaBrokers, clientId: id, topic, retryMs: 300 });
  cleanups.push(() => p.close());
  return p;
}

describe.skipIf(!ok)('Kafka -> collector -> InfluxDB, three sources', () => {
  for (const [name, url, bucketOf] of [
    ['1.6.7 (1.x API)', SERVICES.influxUrl, (db: string) => db],
    ['1.8.3 (2.x API)', SERVICES.influx18Url, (db: string) => `${db}/autogen`],
  ] as const) {
    test(`InfluxDB ${name}: zoneMetrics joins app, agent and balancer samples per server`, async () => {
      const tag = `${RUN_ID}${url.endsWith('8086') ? 'a' : 'b'}`;
      const zone = `kz-${tag}`.slice(0, 32);
      const db = `zs_test_${tag}_kafka`;
      const store: InfluxMetricsStore = await openInfluxMetricsStore({ url, bucket: bucketOf(db) });
      cleanups.push(() => store.v1Query(`DROP DATABASE "${db}"`, 'POST', db));
      const collector = await startCollector(
        {
          ...CollectorConfig.parse({ token: 'kafka-collector-token-0123456789' }),
          port: 0,
          cluster: `it-${tag}`,
          kafkaBrokers: SERVICES.kafkaBrokers,
        },
        silentLogger,
        { store, storeKind: 'influxdb' },
      );
      cleanups.push(() => collector.stop());
      const t0 = Date.now();
      const samples = publisher(SAMPLES_TOPIC, `app-${tag}`);
      const requests = publisher(REQUESTS_TOPIC, `bal-${tag}`);
      for (let i = 0; i < 3; i++) {
        const ts = t0 + i * 1000;
        samples.publish({
          serverId: 's1',
          zone,
          ts,
          source: 'app',
          cpu: 90,
          memoryMb: 500,
          throughput: 5,
          healthy: true,
          scenario: 'off',
        });
        samples.publish({ serverId: 's1', zone, ts, source: 'agent', cpu: 20 + i * 10, memoryMb: 100 });
        const w = {
          upstream: 'http://127.0.0.1:1',
          windowMs: 1000,
          rps: 10 * (i + 1),
          inFlight: i,
          p50Ms: 1,
          p95Ms: 10 * (i + 1),
          p99Ms: 50,
          errorRate: 0,
        };
        requests.publish(windowSample(w, 's1', zone, ts));
      }
      requests.publish(balancerSample('s2', t0, { zone }));
      const window = () => store.zoneMetrics(zone, t0, t0 + 10_000);
      expect(await eventually(async () => (await window()).samples === 10, 30_000)).toBe(true);
      const m = await window();
      expect(m.perServer.s1?.cpu).toBeCloseTo(30); // the agent's (20, 30, 40), not the app's 90
      expect(m.perServer.s1?.memoryMb).toBeCloseTo(100);
      expect(m.perServer.s1?.rps).toBeCloseTo(20);
      expect(m.perServer.s1?.inFlight).toBeCloseTo(1);
      expect(m.perServer.s1?.p95Ms).toBeCloseTo(20);
      expect(m.perServer.s2).toEqual({ cpu: null, memoryMb: null, rps: 0, inFlight: 0, p95Ms: null });
      const latest = (await store.latest(t0)).filter((s) => s.zone === zone);
      expect(latest.map((s) => `${s.serverId}/${s.source}`)).toEqual([
        's1/agent',
        's1/app',
        's1/balancer',
        's2/balancer',
      ]);
      expect(latest.find((s) => s.serverId === 's2')?.p95Ms).toBeNull();
    }, 60_000);
  }
});
