/**
 * The app server on a real socket: burn mode really raises the measured process CPU (bounded to a
 * few seconds), and samples flow to the injected publisher on the configured interval.
 */
import { afterEach, expect, test } from 'bun:test';
import { MemoryMetricsPublisher } from '../adapters/metrics-bus-memory.ts';
import { AppConfig } from '../config/roles.ts';
import { silentLogger } from '../shared/logger.ts';
import { DEFAULT_CURVE } from './scenario.ts';
import { type AppHandle, startApp } from './start.ts';

const TOKEN = 'app-start-test-token-012';
const handles: AppHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

const cfg = (over: Record<string, string>) => ({
  ...AppConfig.parse({ token: TOKEN, id: 'zone1-app-9', zone: 'zone1', ...over }),
  port: 0,
});

test('in burn mode the High scenario raises the measured process CPU above 40 % within a few seconds', async () => {
  const publisher = new MemoryMetricsPublisher();
  const h = await startApp(cfg({ scenarioMode: 'burn', sampleIntervalMs: '500' }), silentLogger, {
    publisher,
    curve: { ...DEFAULT_CURVE, highRisePerSec: 60 },
  });
  handles.push(h);
  const res = await fetch(`${h.url}/scenario`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ mode: 'high' }),
  });
  expect(res.status).toBe(200);
  const deadline = Date.now() + 8_000;
  let best = 0;
  while (Date.now() < deadline && best <= 40) {
    await Bun.sleep(500);
    best = Math.max(best, ...publisher.published.slice(-2).map((s) => s.cpu ?? 0));
  }
  expect(best).toBeGreaterThan(40);
  expect(publisher.published.at(-1)?.scenario).toBe('high');
}, 10_000);

test('samples are published every sample interval with the server identity', async () => {
  const publisher = new MemoryMetricsPublisher();
  const h = await startApp(cfg({ scenarioMode: 'simulate', sampleIntervalMs: '100' }), silentLogger, {
    publisher,
  });
  handles.push(h);
  await Bun.sleep(550);
  expect(publisher.published.length).toBeGreaterThanOrEqual(4);
  expect(publisher.published.every((s) => s.serverId === 'zone1-app-9' && s.zone === 'zone1')).toBe(true);
  const health = await (await fetch(`${h.url}/health_check`)).json();
  expect(health).toMatchObject({ status: 'ok', id: 'zone1-app-9', scenarioMode: 'simulate' });
});

test('with KAFKA_BROKERS set and no publisher injected the app starts with the Kafka publisher', async () => {
  // Port 1 never answers: the publisher connects lazily, so the app still starts and serves.
  const h = await startApp(cfg({ kafkaBrokers: '127.0.0.1:1' }), silentLogger);
  handles.push(h);
  expect((await fetch(`${h.url}/health_check`)).status).toBe(200);
});
