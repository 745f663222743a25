/** Active health checker: drives the status setter from due servers and probe results. */
import { describe, expect, test } from 'bun:test';
import { silentLogger } from '../shared/logger.ts';
import { startHealthChecker, tickFor } from './health-checker.ts';

describe('startHealthChecker', () => {
  test('each due server is probed and its result passed to the status setter', async () => {
    const results: [string, boolean][] = [];
    const hc = startHealthChecker({
      due: () => ['a', 'b'],
      setter: { setStatus: (u, up) => results.push([u, up]) },
      probe: async (u) => u === 'a',
      timeoutMs: 10,
      tickMs: 60_000,
      log: silentLogger,
    });
    try {
      await hc.tick();
      expect(results.sort()).toEqual([
        ['a', true],
        ['b', false],
      ]);
    } finally {
      hc.stop();
    }
  });

  test('results arriving after stop are ignored', async () => {
    const results: string[] = [];
    let release!: () => void;
    const hc = startHealthChecker({
      due: () => ['a'],
      setter: { setStatus: (u) => results.push(u) },
      probe: () => new Promise((r) => (release = () => r(true))),
      timeoutMs: 10,
      tickMs: 60_000,
      log: silentLogger,
    });
    const t = hc.tick();
    hc.stop();
    release();
    await t;
    expect(results).toEqual([]);
  });
});

describe('tickFor', () => {
  const cases: [number, number, number][] = [
    [10_000, 30_000, 1_000],
    [200, 200, 40],
    [20, 20, 10],
  ];
  for (const [check, recheck, tick] of cases) {
    test(`checks every ${check} ms and rechecks every ${recheck} ms tick every ${tick} ms`, () => {
      expect(tickFor(check, recheck)).toBe(tick);
    });
  }
});
