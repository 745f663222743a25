/**
 * The agent on the real parts: it samples real Docker containers through the engine's stats API
 * (the `agent` role started with the Docker runtime, as `RUNTIME=docker` starts it), publishes on a
 * real Kafka (this run's own topic, so no other cluster's collector sees the samples), and a
 * collector consuming that topic writes them into a real InfluxDB (this run's own database). One
 * container burns ~90 % of a core in 90 ms slices and answers `GET /` with its own
 * `process.cpuUsage()`, so the agent's CPU is checked against the CPU time the container counts
 * itself over the span its samples cover (valid on a loaded machine too); an idle one reads ~0 %. Every
 * container, topic group and database is removed afterwards. Fails with CI=true when Docker, Kafka
 * or InfluxDB is absent.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { DockerRuntime } from '../../server/adapters/docker/runtime-docker.ts';
import { openInfluxMetricsStore } from '../../server/adapters/influx/metrics-store-influx.ts';
import { KafkaMetricsPublisher } from '../../server/adapters/kafka/metrics-bus-kafka.ts';
import { KafkaSampleSource } from '../../server/adapters/kafka/sample-source-kafka.ts';
import type { ContainerSpec } from '../../server/adapters/runtime.ts';
import { startAgent } from '../../server/agent/start.ts';
import { startCollector } from '../../server/collector/start.ts';
import { AgentConfig, CollectorConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import type { Sample } from '../../server/shared/types.ts';
import { freePort } from '../support/ports.ts';
import { eventually, RUN_ID, requireService, SERVICES } from './services.ts';

const ok = await requireService('docker', 'kafka', 'influx');
const TOKEN = 'agent-services-token-0123456';
const BASE = 'zonescale/bun-base:local';
const ZONE = `a${RUN_ID}`.slice(0, 32);
const topic = `zonescale-test-agent-${RUN_ID}`;
const db = `zs_test_${RUN_ID}_agent`;

/** Burns 90 ms of every ~100 ms, holds 48 MiB, and answers `GET /` with `{ t, cpuUs }`. */
const BURNER = (port: number) =>
  `const keep = Buffer.alloc(48 * 1024 * 1024, 1);
   Bun.serve({ hostname: '127.0.0.1', port: ${port}, fetch: () => { const u = process.cpuUsage(); return Response.json({ t: Date.now(), cpuUs: u.user + u.system, keep: keep[0] }); } });
   setInterval(() => { const end = Date.now() + 90; while (Date.now() < end) {} }, 10);
   setTimeout(() => process.exit(0), 120000);`;
const IDLE = (port: number) =>
  `Bun.serve({ hostname: '127.0.0.1', port: ${port}, fetch: () => new Response('ok') }); setTimeout(() => process.exit(0), 120000);`;

const runtime = new DockerRuntime({
  cluster: `agent${RUN_ID}`,
  image: BASE,
  command: (spec) => ({
    entrypoint: ['/usr/local/bin/bun', '-e'],
    cmd: [spec.id.endsWith('burn') ? BURNER(spec.port) : IDLE(spec.port)],
  }),
});
const spec = (id: string): ContainerSpec => ({
  id,
  role: 'app',
  zone: ZONE,
  port: freePort(),
  args: [],
  env: {},
});
const handles: RoleHandle[] = [];

/** The burner's CPU time (µs) at `t` (epoch ms), interpolated between the two readings around it. */
function cpuUsAt(series: readonly { t: number; cpuUs: number }[], t: number): number {
  const i = series.findIndex((p) => p.t >= t);
  if (i <= 0) return series[Math.max(i, 0)]!.cpuUs;
  const a = series[i - 1]!;
  const b = series[i]!;
  return a.cpuUs + ((b.cpuUs - a.cpuUs) * (t - a.t)) / Math.max(1, b.t - a.t);
}
let dropDb: (() => Promise<unknown>) | null = null;

afterAll(async () => {
  for (const h of handles.reverse()) await h.stop().catch(() => {});
  for (const c of await runtime.list().catch(() => [])) await runtime.stop(c.id);
  await dropDb?.().catch(() => {});
}, 60_000);

describe.skipIf(!ok)('agent on Docker → Kafka → collector → InfluxDB', () => {
  test('container stats become agent samples in InfluxDB: the burner at its own CPU time, the idle one at ~0 %', async () => {
    const burn = spec('zone-burn');
    const idle = spec('zone-idle');
    await runtime.start(burn);
    await runtime.start(idle);
    const truth = async () =>
      (await (await fetch(`http://127.0.0.1:${burn.port}/`)).json()) as { t: number; cpuUs: number };
    expect(await eventually(async () => (await truth()).t > 0, 15_000)).toBe(true);

    const store = await openInfluxMetricsStore({ url: SERVICES.influxUrl, bucket: db });
    dropDb = () => store.v1Query(`DROP DATABASE "${db}"`, 'POST');
    const source = new KafkaSampleSource({
      brokers: SERVICES.kafkaBrokers,
      groupId: topic,
      topic,
      retryMs: 300,
      logger: silentLogger,
    });
    handles.push(
      await startCollector({ ...CollectorConfig.parse({ token: TOKEN }), port: 0 }, silentLogger, {
        store,
        storeKind: 'influxdb',
        source,
        busKind: 'kafka',
      }),
    );
    const published: Sample[] = [];
    const kafka = new KafkaMetricsPublisher({
      brokers: SERVICES.kafkaBrokers,
      clientId: `agent-${RUN_ID}`,
      topic,
      retryMs: 500,
    });
    const publisher = {
      publish: (s: Sample) => {
        published.push(s);
        kafka.publish(s);
      },
      pending: () => kafka.pending(),
      close: () => kafka.close(),
    };
    const agent = await startAgent(
      { ...AgentConfig.parse({ token: TOKEN, runtime: 'docker', intervalMs: '1000' }), port: 0 },
      silentLogger,
      { runtime, publisher },
    );
    handles.push(agent);

    const burnSamples = () => published.filter((s) => s.serverId === 'zone-burn');
    expect(await eventually(() => burnSamples().length >= 2, 20_000)).toBe(true);
    // The burner's own CPU time, read every 200 ms, so it can be taken over exactly the span the
    // agent's samples cover: on a loaded machine the burner's share swings from second to second.
    const series: { t: number; cpuUs: number }[] = [await truth()];
    const readUntil = series[0]!.t + 6_500;
    while (Date.now() < readUntil) {
      await Bun.sleep(200);
      series.push(await truth());
    }
    const start = series[0]!;
    const end = series.at(-1)!;
    // Samples whose whole interval lies inside [start, end]: each covers the second before its ts.
    const inside = burnSamples().filter((s) => s.ts - 1_000 >= start.t && s.ts <= end.t);
    expect(inside.length).toBeGreaterThanOrEqual(3);
    const measured = inside.reduce((sum, s) => sum + (s.cpu ?? Number.NaN), 0) / inside.length;
    const from = inside[0]!.ts - 1_000;
    const to = inside.at(-1)!.ts;
    const own = ((cpuUsAt(series, to) - cpuUsAt(series, from)) / 1000 / (to - from)) * 100;
    expect(Math.abs(measured - own), `agent ${measured} % vs the container's own ${own} %`).toBeLessThan(15);
    expect(measured).toBeGreaterThan(5);
    expect(burnSamples().at(-1)?.memoryMb).toBeGreaterThan(48);
    const idleSamples = published.filter((s) => s.serverId === 'zone-idle');
    expect(idleSamples.length).toBeGreaterThanOrEqual(3);
    for (const s of idleSamples) expect(s.cpu).toBeLessThan(5);
    for (const s of published) expect(s).toMatchObject({ zone: ZONE, source: 'agent', healthy: true });

    // Through Kafka into InfluxDB: every published sample arrives, with the same per-server means.
    const count = published.length;
    const since = Math.min(...published.map((s) => s.ts));
    const until = Math.max(...published.map((s) => s.ts)) + 1;
    let stored = await store.zoneCpu(ZONE, since, until);
    expect(
      await eventually(async () => {
        stored = await store.zoneCpu(ZONE, since, until);
        return stored.samples >= count;
      }, 30_000),
    ).toBe(true);
    const meanOf = (id: string) => {
      const xs = published.filter((s) => s.serverId === id && s.ts < until);
      return xs.reduce((a, s) => a + (s.cpu ?? Number.NaN), 0) / xs.length;
    };
    expect(stored.perServer['zone-burn']).toBeCloseTo(meanOf('zone-burn'), 1);
    expect(stored.perServer['zone-idle']).toBeCloseTo(meanOf('zone-idle'), 1);
    const metrics = await store.zoneMetrics(ZONE, since, until);
    expect(metrics.perServer['zone-burn']?.cpu).toBeCloseTo(meanOf('zone-burn'), 1);
    expect(metrics.perServer['zone-burn']?.memoryMb).toBeGreaterThan(48);
    const latest = (await store.latest(since)).filter((s) => s.zone === ZONE);
    expect(latest.map((s) => [s.serverId, s.source]).sort()).toEqual([
      ['zone-burn', 'agent'],
      ['zone-idle', 'agent'],
    ]);
  }, 120_000);
});
