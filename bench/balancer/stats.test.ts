import { describe, expect, test } from 'bun:test';
import {
  headline,
  type Measured,
  median,
  medianOf,
  pairedRatio,
  quietest,
  ratio,
  tableRow,
} from './stats.ts';

const m = (rps: number, extra: Partial<Measured> = {}): Measured => ({
  rps,
  p50Ms: 1,
  p99Ms: 2,
  requests: 100,
  socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 },
  non2xx: 0,
  cpuUsPerReq: 10,
  upstreamConnsPerReq: 0.01,
  ...extra,
});

describe('benchmark figures', () => {
  test('median of odd and even counts, NaN ignored', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  test('medianOf takes each figure separately and sums the counts', () => {
    const r = medianOf([
      m(100, { p99Ms: 9, socketErrors: { connect: 1, read: 0, write: 0, timeout: 0 } }),
      m(300, { p99Ms: 1, non2xx: 2 }),
      m(200, { p99Ms: 5 }),
    ]);
    expect([r.rps, r.p99Ms, r.requests, r.non2xx, r.socketErrors.connect]).toEqual([200, 5, 300, 2, 1]);
  });

  test('pairedRatio is the median of the per-round ratios, not the ratio of the medians', () => {
    // Round 2 is slow for both: the medians alone would give 200/150 = 1.33x.
    const a = [m(200), m(100), m(300)];
    const b = [m(190), m(90), m(150)];
    expect(ratio(medianOf(a).rps, medianOf(b).rps)).toBe(1.33);
    expect(pairedRatio(a, b, (x) => x.rps)).toBe(1.11); // 1.05, 1.11, 2.0
    expect(pairedRatio(a, [m(0)], (x) => x.rps)).toBeNaN();
    expect(pairedRatio(a.slice(0, 2), b, (x) => x.rps)).toBe(1.08); // only complete pairs: 1.05, 1.11
  });

  test('ratio rounds to two decimals and is NaN against zero', () => {
    expect(ratio(1, 3)).toBe(0.33);
    expect(ratio(1, 0)).toBeNaN();
  });

  test('a table row shows the ratios to HAProxy and the failures', () => {
    const row = tableRow('zonescale round-robin', m(50, { non2xx: 3 }), m(100));
    expect(row).toContain('0.5x');
    expect(row.trim().endsWith('3')).toBe(true);
    expect(tableRow('haproxy', m(100), undefined)).toContain(' -');
  });

  test('the headline names the worst workload', () => {
    expect(
      headline(
        [
          { name: 'GET 50 B', rpsVsHaproxy: 1.01 },
          { name: 'POST 1 KiB', rpsVsHaproxy: 0.4 },
        ],
        3,
      ),
    ).toBe(
      'round-robin req/s vs HAProxy, worst workload 0.4x (POST 1 KiB) — median of 3: GET 50 B 1.01x; POST 1 KiB 0.4x',
    );
  });

  test('quietest: a run over the steal limit is measured again, at most `retries` times; the least steal counts', async () => {
    const runs = (steals: number[]) => {
      let i = 0;
      return async () => m(1000 + i, { stealPct: steals[i++] });
    };
    const told: number[] = [];
    const r = await quietest(runs([12, 7, 3, 1]), 5, 2, (s) => told.push(s));
    expect([r.rps, r.stealPct, r.setAsideStealPct]).toEqual([1002, 3, [12, 7]]);
    expect(told).toEqual([12, 7]); // the third run was quiet: no fourth
    const noisy = await quietest(runs([9, 14, 8]), 5, 2);
    expect([noisy.rps, noisy.stealPct, noisy.setAsideStealPct]).toEqual([1002, 8, [14, 9]]); // in the order they were set aside
    const kept = await quietest(runs([6, 9]), 5, 1);
    expect([kept.rps, kept.stealPct, kept.setAsideStealPct]).toEqual([1000, 6, [9]]);
    const quiet = await quietest(runs([2, 99]), 5, 2);
    expect([quiet.rps, quiet.setAsideStealPct]).toEqual([1000, undefined]);
    expect((await quietest(runs([Number.NaN, 1]), 5, 2)).rps).toBe(1000);
    expect((await quietest(runs([40, 1]), 5, 0)).stealPct).toBe(40);
  });
});
