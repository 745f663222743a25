import { describe, expect, test } from 'bun:test';
import type { Hit } from '../support/cluster-probe.ts';
import { failuresBySecond, placeFailures } from './failures.ts';

const T0 = 1_000_000;
const hit = (afterMs: number, status = 200): Hit => ({
  t: T0 + afterMs,
  status,
  server: status === 200 ? 's' : null,
});

describe('chaos failures', () => {
  test('counts every hit as sent and keeps only the non-200 ones', () => {
    const traffic = new Map([
      ['zone1', [hit(100), hit(200, 503), hit(300)]],
      ['zone2', [hit(150), hit(2_500, 0)]],
    ]);
    const { sent, failures } = placeFailures(traffic, [], T0, 1_000);
    expect(sent).toBe(5);
    expect(failures).toEqual([
      { zone: 'zone1', second: 0, status: 503, inOwnBalancerDown: false },
      { zone: 'zone2', second: 2, status: 0, inOwnBalancerDown: false },
    ]);
  });

  test("a failure is inside only its own zone's window, up to the grace period after it", () => {
    const windows = [{ zone: 'zone1', from: T0 + 1_000, to: T0 + 2_000 }];
    const traffic = new Map([
      ['zone1', [hit(999, 502), hit(1_000, 502), hit(3_000, 502), hit(3_001, 502)]],
      ['zone2', [hit(1_500, 502)]],
    ]);
    const { failures } = placeFailures(traffic, windows, T0, 1_000);
    expect(failures.map((f) => [f.zone, f.inOwnBalancerDown])).toEqual([
      ['zone1', false], // before the kill
      ['zone1', true], // at the kill
      ['zone1', true], // recovery + grace
      ['zone1', false], // past the grace
      ['zone2', false], // another zone's window
    ]);
  });

  test('a window whose balancer never recovered holds every later failure of its zone', () => {
    const windows = [{ zone: 'zone3', from: T0 + 5_000, to: Number.POSITIVE_INFINITY }];
    const { failures } = placeFailures(new Map([['zone3', [hit(59_000, 0)]]]), windows, T0, 1_000);
    expect(failures).toEqual([{ zone: 'zone3', second: 59, status: 0, inOwnBalancerDown: true }]);
  });

  test('failures by second, outside ones marked, in first-seen order', () => {
    const counts = failuresBySecond([
      { zone: 'zone1', second: 4, status: 502, inOwnBalancerDown: true },
      { zone: 'zone2', second: 7, status: 0, inOwnBalancerDown: false },
      { zone: 'zone1', second: 4, status: 0, inOwnBalancerDown: true },
    ]);
    expect([...counts]).toEqual([
      ['zone1 @4s', 2],
      ['zone2 @7s (OUTSIDE)', 1],
    ]);
  });
});
