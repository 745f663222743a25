/**
 * Per-server request windows on a fake monotonic clock: time-weighted mean in-flight, rps,
 * latency quantiles within the histogram's ±2 %, error rate, empty windows and forgotten servers.
 */
import { describe, expect, test } from 'bun:test';
import { FORGET_AFTER_WINDOWS, RequestStats } from './request-stats.ts';

function setup() {
  let t = 0;
  const stats = new RequestStats(() => t);
  return { stats, at: (ms: number) => (t = ms) };
}

describe('RequestStats', () => {
  test('in-flight is the time-weighted mean over the window, not a count of requests', () => {
    const { stats, at } = setup();
    const s = stats.forServer('http://a');
    s.begin(0);
    s.begin(250);
    s.end(500);
    at(1000);
    const [w] = stats.take();
    // one request for 1000 ms + one for 250 ms = 1250 request·ms over 1000 ms
    expect(w?.inFlight).toBeCloseTo(1.25);
    // the request still in flight counts fully in the next window
    at(2000);
    expect(stats.take()[0]?.inFlight).toBeCloseTo(1);
  });

  test('rps, latency quantiles (within 2 %) and error rate of one window', () => {
    const { stats, at } = setup();
    const s = stats.forServer('http://a');
    for (let ms = 1; ms <= 100; ms++) s.answered(ms === 100 ? 503 : 200, ms);
    s.failed();
    s.failed();
    at(2000);
    const [w] = stats.take();
    expect(w?.upstream).toBe('http://a');
    expect(w?.rps).toBeCloseTo(51); // 102 outcomes over 2 s
    expect(w?.errorRate).toBeCloseTo(3 / 102);
    expect(w?.p50Ms).toBeGreaterThanOrEqual(50 * 0.98);
    expect(w?.p50Ms).toBeLessThanOrEqual(50 * 1.02);
    expect(w?.p95Ms).toBeGreaterThanOrEqual(95 * 0.98);
    expect(w?.p95Ms).toBeLessThanOrEqual(95 * 1.02);
    expect(w?.p99Ms).toBeGreaterThanOrEqual(99 * 0.98);
    expect(w?.p99Ms).toBeLessThanOrEqual(100);
  });

  test('a window resets: the next one without answers has null latencies; an idle server reports zeros, then is dropped', () => {
    const { stats, at } = setup();
    const s = stats.forServer('http://a');
    s.begin(0);
    s.answered(200, 5);
    s.end(10);
    at(1000);
    expect(stats.take()[0]?.p95Ms).toBe(5);
    s.begin(1500);
    at(2000);
    expect(stats.take()[0]).toMatchObject({ rps: 0, p50Ms: null, p95Ms: null, p99Ms: null, errorRate: 0 });
    s.end(2100);
    at(3000);
    expect(stats.take()[0]?.inFlight).toBeCloseTo(0.1);
    for (let i = 1; i <= FORGET_AFTER_WINDOWS; i++) {
      at(3000 + i * 1000);
      expect(stats.take()[0]).toMatchObject({ rps: 0, inFlight: 0, p95Ms: null });
    }
    at(3000 + (FORGET_AFTER_WINDOWS + 1) * 1000);
    expect(stats.take()).toEqual([]);
  });

  test('latencies hand each non-empty bucket to the fold before the reset', () => {
    const { stats, at } = setup();
    const s = stats.forServer('http://a');
    s.answered(200, 0.001);
    s.answered(200, 2);
    s.answered(200, 2);
    at(1000);
    const folded: { ms: number; n: number }[] = [];
    stats.take((_, l) => folded.push(...l));
    expect(folded.map((b) => b.n)).toEqual([1, 2]);
    expect(folded[1]?.ms).toBeCloseTo(2, 1);
  });
});
