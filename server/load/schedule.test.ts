import { describe, expect, test } from 'bun:test';
import {
  checkBounds,
  dueNow,
  isLoopbackUrl,
  latencyPercentiles,
  percentile,
  plannedTotal,
} from './schedule.ts';

describe('the constant-rate schedule', () => {
  test.each([
    // rate, elapsedMs, started, total, due
    [10, 0, 0, 100, 1],
    [10, 99, 1, 100, 0],
    [10, 100, 1, 100, 1],
    [10, 1000, 1, 100, 10],
    [10, 50_000, 95, 100, 5],
    [200, 1000, 0, 1000, 201],
    [10, -5, 0, 100, 1],
  ])('at %i req/s after %i ms with %i started of %i, %i are due', (rate, elapsed, started, total, due) => {
    expect(dueNow(rate, elapsed, started, total)).toBe(due);
  });

  test('a run plans rate times duration requests', () => {
    expect(plannedTotal(40, 30)).toBe(1200);
    expect(plannedTotal(2.5, 3)).toBe(7);
  });
});

describe('latency percentiles', () => {
  test('nearest rank over sorted values', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 95)).toBe(95);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
  });

  test('an empty window has no percentiles', () => {
    expect(latencyPercentiles([])).toEqual({ p50: null, p95: null, p99: null });
  });

  test('unsorted input is sorted first', () => {
    expect(latencyPercentiles([30, 10, 20])).toEqual({ p50: 20, p95: 30, p99: 30 });
  });
});

describe('bounds', () => {
  test.each([
    [0, 10, 'rate'],
    [501, 10, 'rate'],
    [Number.NaN, 10, 'rate'],
    [10, 0, 'duration'],
    [10, 301, 'duration'],
  ])('rate %p and duration %p are refused naming the %s', (rate, d, what) => {
    expect(checkBounds(rate, d)).toContain(what);
  });

  test('rates and durations inside the bounds pass', () => {
    expect(checkBounds(500, 300)).toBeNull();
    expect(checkBounds(0.5, 1)).toBeNull();
  });

  test.each([
    ['http://127.0.0.1:8001', true],
    ['http://127.1.2.3:80/x', true],
    ['http://localhost:8001', true],
    ['http://10.0.0.1:8001', false],
    ['http://example.com', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s is a loopback target: %p', (url, ok) => {
    expect(isLoopbackUrl(url)).toBe(ok);
  });
});
