/**
 * The shared behaviour suite every `MetricsStore` must pass (the Hono `common.case.test.ts`
 * pattern): idempotent writes per (serverId, source, ts), zone CPU as the mean of server means over
 * a half-open window, per-server metrics from three sources (agent CPU and memory win over the
 * app's, per-metric means, nulls when absent), newest sample per (server, source), epoch-aligned
 * history buckets and pruning. Each
 * adapter's `*.test.ts` calls `metricsStoreContract` with a factory for a fresh, empty store.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { Sample, SampleInput } from '../shared/types.ts';
import type { MetricsStore } from './metrics-store.ts';

/** Builds an app sample with defaults (zone1, 100 MB, 0 req/s, healthy, scenario off). */
export function sample(serverId: string, ts: number, cpu: number, over: Partial<Sample> = {}): Sample {
  return {
    serverId,
    zone: 'zone1',
    ts,
    source: 'app',
    cpu,
    memoryMb: 100,
    throughput: 0,
    healthy: true,
    scenario: 'off',
    ...over,
  };
}

/** Builds an agent sample (zone1): CPU % and memory MB measured from outside the process. */
export function agentSample(serverId: string, ts: number, cpu: number, memoryMb: number): Sample {
  return { serverId, zone: 'zone1', ts, source: 'agent', cpu, memoryMb };
}

/** Builds a balancer sample (zone1) with request fields; latencies default to null (none completed). */
export function balancerSample(serverId: string, ts: number, over: Partial<Sample> = {}): Sample {
  return {
    serverId,
    zone: 'zone1',
    ts,
    source: 'balancer',
    rps: 0,
    inFlight: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    errorRate: 0,
    ...over,
  };
}

/**
 * Registers the contract tests under `describe(name)`. `make` returns a fresh empty store per test;
 * `cleanup` (optional) runs after the store is closed, e.g. to delete a temp directory.
 */
export function metricsStoreContract(
  name: string,
  make: () => MetricsStore | Promise<MetricsStore>,
  cleanup?: () => void | Promise<void>,
): void {
  describe(`${name} (MetricsStore contract)`, () => {
    let store: MetricsStore | null = null;
    const open = async () => {
      store = await make();
      return store;
    };
    afterEach(async () => {
      await store?.close();
      store = null;
      await cleanup?.();
    });

    appSampleCases(open);
    sourceAndEdgeCases(open);
  });
}

/** Opens a fresh, empty store for one test (closed after it by the contract's `afterEach`). */
type Open = () => Promise<MetricsStore>;

/** Idempotent writes, zone CPU over a half-open window, latest, history and prune, on app samples. */
function appSampleCases(open: Open): void {
  test('writing the same (serverId, ts) twice stores it once', async () => {
    const s = await open();
    await s.write([sample('a', 1000, 40)]);
    await s.write([sample('a', 1000, 40), sample('a', 1000, 40)]);
    const z = await s.zoneCpu('zone1', 0, 10_000);
    expect(z.samples).toBe(1);
    expect(z.avgCpu).toBeCloseTo(40);
  });

  test('zone CPU is the mean over servers of each server mean, not the mean of all samples', async () => {
    const s = await open();
    await s.write([
      sample('a', 1000, 10),
      sample('a', 2000, 30),
      sample('a', 3000, 20),
      sample('b', 1000, 80),
    ]);
    const z = await s.zoneCpu('zone1', 0, 10_000);
    expect(z.zone).toBe('zone1');
    expect(z.perServer.a).toBeCloseTo(20);
    expect(z.perServer.b).toBeCloseTo(80);
    expect(z.avgCpu).toBeCloseTo(50);
    expect(z.samples).toBe(4);
  });

  test('the window is half-open (since <= ts < until) and other zones are ignored', async () => {
    const s = await open();
    await s.write([
      sample('a', 999, 99),
      sample('a', 1000, 10),
      sample('a', 1999, 30),
      sample('a', 2000, 99),
      sample('c', 1500, 77, { zone: 'zone2' }),
    ]);
    const z = await s.zoneCpu('zone1', 1000, 2000);
    expect(z.samples).toBe(2);
    expect(z.avgCpu).toBeCloseTo(20);
    expect(Object.keys(z.perServer)).toEqual(['a']);
  });

  test('a zone without samples has avgCpu null and no servers', async () => {
    const s = await open();
    await s.write([sample('a', 1000, 10)]);
    expect(await s.zoneCpu('zone3', 0, 10_000)).toEqual({
      zone: 'zone3',
      avgCpu: null,
      perServer: {},
      samples: 0,
    });
  });

  test('latest returns the newest sample of each server since the given time, with every field intact', async () => {
    const s = await open();
    const newestA = sample('a', 3000, 71.5, {
      memoryMb: 123.4,
      throughput: 17,
      healthy: false,
      scenario: 'high',
    });
    await s.write([
      sample('a', 1000, 10),
      newestA,
      sample('a', 2000, 20),
      sample('b', 500, 5),
      sample('c', 2500, 9, { zone: 'zone2' }),
    ]);
    const got = await s.latest(1000);
    expect(got.map((x) => x.serverId).sort()).toEqual(['a', 'c']);
    expect(got.find((x) => x.serverId === 'a')).toEqual(newestA);
    expect(await s.latest(10_000)).toEqual([]);
  });

  test('history buckets zone CPU by stepMs (epoch-aligned), oldest first, skipping empty buckets', async () => {
    const s = await open();
    await s.write([
      sample('a', 10_000, 10),
      sample('a', 10_500, 30),
      sample('b', 10_900, 60),
      sample('a', 12_100, 50),
      sample('a', 9_000, 99),
      sample('z', 10_000, 99, { zone: 'zone2' }),
    ]);
    const h = await s.history('zone1', 10_000, 1000);
    expect(h.map((p) => p.t)).toEqual([10_000, 12_000]);
    expect(h[0]?.cpu).toBeCloseTo(40); // mean(a: 20, b: 60)
    expect(h[1]?.cpu).toBeCloseTo(50);
  });

  test('prune deletes only samples older than the cut-off', async () => {
    const s = await open();
    await s.write([sample('a', 1000, 10), sample('a', 2000, 20), sample('b', 3000, 30)]);
    await s.prune(2000);
    const z = await s.zoneCpu('zone1', 0, 10_000);
    expect(z.samples).toBe(2);
    expect(z.perServer).toEqual({ a: 20, b: 30 });
  });
}

/** Three sources (agent over app, per-metric means, nulls), the concurrency series, clock skew, edge cases. */
function sourceAndEdgeCases(open: Open): void {
  test('idempotency is per (serverId, source, ts): three sources at one ts are three samples', async () => {
    const s = await open();
    const batch = [
      sample('a', 1000, 10),
      agentSample('a', 1000, 20, 200),
      balancerSample('a', 1000, { rps: 5, inFlight: 1, p95Ms: 12 }),
    ];
    await s.write(batch);
    await s.write(batch);
    expect((await s.zoneMetrics('zone1', 0, 10_000)).samples).toBe(3);
    expect((await s.latest(0)).map((x) => x.source)).toEqual(['agent', 'app', 'balancer']);
  });

  test('agent CPU and memory win over the app’s for the same server; zoneCpu agrees', async () => {
    const s = await open();
    await s.write([
      sample('a', 1000, 90, { memoryMb: 900 }),
      sample('a', 2000, 70, { memoryMb: 700 }),
      agentSample('a', 1000, 20, 200),
      agentSample('a', 2000, 40, 300),
      sample('b', 1000, 60, { memoryMb: 50 }),
    ]);
    const m = await s.zoneMetrics('zone1', 0, 10_000);
    expect(m.perServer.a?.cpu).toBeCloseTo(30);
    expect(m.perServer.a?.memoryMb).toBeCloseTo(250);
    expect(m.perServer.b?.cpu).toBeCloseTo(60); // no agent sample: the app's
    expect(m.perServer.b?.memoryMb).toBeCloseTo(50);
    const z = await s.zoneCpu('zone1', 0, 10_000);
    expect(z.perServer.a).toBeCloseTo(30);
    expect(z.avgCpu).toBeCloseTo(45);
    expect(z.samples).toBe(3); // a's two agent samples and b's app sample
    const h = await s.history('zone1', 0, 10_000);
    expect(h).toHaveLength(1);
    expect(h[0]?.cpu).toBeCloseTo(45);
  });

  test('request metrics are per-metric means over the samples that carry them', async () => {
    const s = await open();
    await s.write([
      balancerSample('a', 1000, { rps: 10, inFlight: 2, p50Ms: 3, p95Ms: 20, p99Ms: 30, errorRate: 0.1 }),
      balancerSample('a', 2000, { rps: 30, inFlight: 4, p95Ms: null }),
      balancerSample('a', 3000, { rps: 20, inFlight: 0, p95Ms: 40 }),
      balancerSample('a', 20_000, { rps: 999 }), // outside the window
      balancerSample('c', 1000, { rps: 7, zone: 'zone2' }),
    ]);
    const m = await s.zoneMetrics('zone1', 0, 10_000);
    expect(m.zone).toBe('zone1');
    expect(Object.keys(m.perServer)).toEqual(['a']);
    expect(m.perServer.a?.rps).toBeCloseTo(20);
    expect(m.perServer.a?.inFlight).toBeCloseTo(2);
    expect(m.perServer.a?.p95Ms).toBeCloseTo(30); // the null second is not a 0 ms one
    expect(m.samples).toBe(3);
  });

  test('a metric no sample carries is null: app-only servers have no request metrics and vice versa', async () => {
    const s = await open();
    await s.write([sample('a', 1000, 10, { memoryMb: 64 }), balancerSample('b', 1000, { rps: 3 })]);
    const m = await s.zoneMetrics('zone1', 0, 10_000);
    expect(m.perServer.a).toEqual({ cpu: 10, memoryMb: 64, rps: null, inFlight: null, p95Ms: null });
    expect(m.perServer.b).toEqual({ cpu: null, memoryMb: null, rps: 3, inFlight: 0, p95Ms: null });
    expect(await s.zoneMetrics('zone3', 0, 10_000)).toEqual({ zone: 'zone3', perServer: {}, samples: 0 });
    expect((await s.zoneCpu('zone1', 0, 10_000)).perServer).toEqual({ a: 10 });
  });

  test('latest keeps the newest sample of each (server, source), balancer and agent fields intact', async () => {
    const s = await open();
    const req = balancerSample('a', 2000, {
      rps: 12.5,
      inFlight: 1.25,
      p50Ms: 2,
      p95Ms: 9.5,
      p99Ms: 14,
      errorRate: 0.25,
    });
    const idle = balancerSample('b', 2000);
    const agent = agentSample('a', 1500, 33.5, 210);
    await s.write([balancerSample('a', 1000, { rps: 1 }), req, idle, agent, agentSample('a', 500, 1, 1)]);
    expect(await s.latest(0)).toEqual([agent, req, idle]);
  });

  test('latest and history have no upper bound: a sample stamped ahead of this host’s clock is read', async () => {
    const s = await open();
    const ahead = Date.now() + 5_000;
    await s.write([agentSample('a', ahead, 25, 10)]);
    expect((await s.latest(ahead - 1)).map((x) => x.ts)).toEqual([ahead]);
    expect((await s.history('zone1', ahead - 1, 1000)).map((p) => p.cpu)).toEqual([25]);
  });

  test('a sample written without a source is an app sample', async () => {
    const s = await open();
    const { source: _, ...legacy } = sample('a', 1000, 10);
    await s.write([legacy as SampleInput]);
    expect((await s.latest(0))[0]?.source).toBe('app');
  });

  test('the concurrency series sums each second over the zone servers, balancer samples only, half-open window', async () => {
    const s = await open();
    await s.write([
      balancerSample('a', 10_000, { inFlight: 2 }),
      balancerSample('b', 10_400, { inFlight: 3.5 }),
      balancerSample('a', 11_000, { inFlight: 4 }),
      balancerSample('a', 13_000, { inFlight: 1 }),
      balancerSample('c', 12_000, { zone: 'zone2', inFlight: 50 }),
      sample('a', 12_000, 90),
      balancerSample('a', 9_000, { inFlight: 7 }),
    ]);
    expect(await s.zoneConcurrencySeries('zone1', 10_000, 13_000)).toEqual([
      { ts: 10_000, concurrency: 5.5 },
      { ts: 11_000, concurrency: 4 },
    ]);
    expect(await s.zoneConcurrencySeries('zone2', 0, 20_000)).toEqual([{ ts: 12_000, concurrency: 50 }]);
  });

  test('writing an empty batch is a no-op', async () => {
    const s = await open();
    await s.write([]);
    expect(await s.latest(0)).toEqual([]);
  });
}
