/** The start back-off: exponential from the base, capped, per zone, reset by a success. */
import { describe, expect, test } from 'bun:test';
import { backoffDelayMs, StartBackoff } from './start-backoff.ts';

describe('start back-off', () => {
  test.each([
    [0, 0],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [5, 32_000],
    [6, 60_000],
    [1_000, 60_000],
  ])('failure %d waits %d ms (2 s doubling, capped at 60 s)', (n, ms) => {
    expect(backoffDelayMs(n, 2_000, 60_000)).toBe(ms);
  });

  test('each zone backs off on its own and a success resets it', () => {
    const b = new StartBackoff(1_000, 10_000);
    expect(b.remainingMs('zone1', 0)).toBe(0);
    expect(b.failed('zone1', 0)).toBe(1_000);
    expect(b.failed('zone1', 1_000)).toBe(2_000);
    expect(b.remainingMs('zone1', 2_500)).toBe(500);
    expect(b.remainingMs('zone2', 2_500)).toBe(0);
    b.succeeded('zone1');
    expect(b.remainingMs('zone1', 2_500)).toBe(0);
    expect(b.failed('zone1', 3_000)).toBe(1_000);
  });
});
