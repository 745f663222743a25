/** Nearest-rank percentiles of the service bench (`percentile.ts`). */
import { describe, expect, test } from 'bun:test';
import { percentile } from './percentile.ts';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
  test.each([
    [hundred, 99, 99],
    [hundred, 50, 50],
    [hundred, 100, 100],
    [hundred, 1, 1],
    [[5, 1, 3], 50, 3],
    [[5, 1, 3], 99, 5],
    [[7], 99, 7],
  ])('%p at p%p is %p', (xs, p, want) => {
    expect(percentile(xs, p)).toBe(want);
  });

  test('p99 of 60 values is the 60th (the max): one bad decision in 60 shows', () => {
    const xs = [...Array.from({ length: 59 }, () => 100), 2_500];
    expect(percentile(xs, 99)).toBe(2_500);
    expect(percentile(xs, 98)).toBe(100);
  });

  test('empty is null, and a p outside (0, 100] is refused', () => {
    expect(percentile([], 99)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  test('does not reorder its input', () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });
});
