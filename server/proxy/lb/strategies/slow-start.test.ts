/** The slow-start weight as a table (linear from 10 % to 100 % over the window, `now` injected). */
import { describe, expect, test } from 'bun:test';
import { SLOW_START_MIN_WEIGHT, slowStartWeight } from './slow-start.ts';

describe('slowStartWeight', () => {
  const cases: [string, number | undefined, number, number, number][] = [
    ['off (window 0) is full weight', 0, 5, 0, 1],
    ['an unknown join time is full weight', undefined, 5, 10_000, 1],
    ['at the join instant it is the 10 % floor', 1_000, 1_000, 10_000, SLOW_START_MIN_WEIGHT],
    ['below 10 % of the window it stays at the floor', 1_000, 1_500, 10_000, SLOW_START_MIN_WEIGHT],
    ['a quarter through it is 25 %', 0, 2_500, 10_000, 0.25],
    ['half-way it is 50 %', 0, 5_000, 10_000, 0.5],
    ['at the end of the window it is full', 0, 10_000, 10_000, 1],
    ['after the window it stays full', 0, 99_000, 10_000, 1],
    ['a clock behind the join time is the floor', 5_000, 1_000, 10_000, SLOW_START_MIN_WEIGHT],
  ];
  for (const [name, joinedAt, now, windowMs, want] of cases)
    test(name, () => expect(slowStartWeight(joinedAt, now, windowMs)).toBeCloseTo(want, 9));
});
