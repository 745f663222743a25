/** The collector role on a real socket: HTTP push lands in the injected store; config seams refuse what is missing. */
import { afterEach, expect, test } from 'bun:test';
import { HttpMetricsPublisher } from '../adapters/http/metrics-bus-http.ts';
import { sample } from '../adapters/metrics-store.contract.ts';
import { MemoryMetricsStore } from '../adapters/metrics-store-memory.ts';
import { CollectorConfig } from '../config/roles.ts';
import { BadConfig } from '../shared/errors.ts';
import { silentLogger } from '../shared/logger.ts';
import type { RoleHandle } from '../shared/role.ts';
import { pruneIntervalMs, startCollector } from './start.ts';

const TOKEN = 'collector-test-token-0123';
const handles: RoleHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

const cfg = (over: Record<string, string> = {}) => ({
  ...CollectorConfig.parse({ token: TOKEN, ...over }),
  port: 0,
});

test('samples pushed by the HTTP publisher land in the store', async () => {
  const store = new MemoryMetricsStore();
  const h = await startCollector(cfg(), silentLogger, { store });
  handles.push(h);
  const pub = new HttpMetricsPublisher({ collector: h.url, token: TOKEN });
  const ts = Date.now();
  pub.publish(sample('a', ts, 33));
  await pub.settled();
  expect(pub.pending()).toBe(0);
  expect((await store.latest(0)).map((s) => s.cpu)).toEqual([33]);
});

test('samples older than the retention are pruned at start', async () => {
  const store = new MemoryMetricsStore();
  await store.write([sample('old', 1_000, 1), sample('new', 10_000_000, 2)]);
  handles.push(
    await startCollector(cfg({ retentionMs: '5000' }), silentLogger, { store, now: () => 10_000_000 }),
  );
  expect((await store.latest(0)).map((s) => s.serverId)).toEqual(['new']);
});

test('with INFLUX_URL set to a server that does not answer the collector refuses to start', async () => {
  await expect(startCollector(cfg({ influxUrl: 'http://127.0.0.1:1' }), silentLogger)).rejects.toBeInstanceOf(
    BadConfig,
  );
});

test.each([
  [3_600_000, 60_000],
  [30_000, 3_000],
  [500, 1_000],
])('retention %i ms prunes every %i ms', (retention, every) => {
  expect(pruneIntervalMs(retention)).toBe(every);
});
