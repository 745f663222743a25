/**
 * The shared behaviour suite every `MetricsStore` must pass (the Hono `common.case.test.ts`
 * pattern): idempotent writes per (serverId, ts), zone CPU as the mean of server means over a
 * half-open window, newest sample per server, epoch-aligned history buckets and pruning. Each
 * adapter's `*.test.ts` calls `metricsStoreContract` with a factory for a fresh, empty store.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { Sample } from '../shared/types.ts';
import type { MetricsStore } from './metrics-store.ts';

/** Builds a sample with defaults (zone1, cpu 0 %, 100 MB, healthy, scenario off). */
export function sample(serverId: string, ts: number, cpu: number, over: Partial<Sample> = {}): Sample {
  return {
    serverId,
    zone: 'zone1',
    ts,
    cpu,
    memoryMb: 100,
    throughput: 0,
    healthy: true,
    scenario: 'off',
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

    test('writing an empty batch is a no-op', async () => {
      const s = await open();
      await s.write([]);
      expect(await s.latest(0)).toEqual([]);
    });
  });
}
