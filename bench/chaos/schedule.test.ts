import { describe, expect, test } from 'bun:test';
import { mulberry32 } from '../../server/shared/random.ts';
import { chaosSchedule } from './schedule.ts';

describe('chaos schedule', () => {
  test('the same seed gives the same schedule, another seed a different one', () => {
    const a = chaosSchedule({ seed: 7, durationMs: 60_000 });
    expect(chaosSchedule({ seed: 7, durationMs: 60_000 })).toEqual(a);
    expect(chaosSchedule({ seed: 8, durationMs: 60_000 })).not.toEqual(a);
  });

  test('actions stay within the run, sorted, spaced by the gap bounds, of the three kill kinds', () => {
    const s = chaosSchedule({ seed: 1, durationMs: 60_000, minGapMs: 3_000, maxGapMs: 6_000 });
    expect(s.length).toBeGreaterThanOrEqual(9);
    expect(s.length).toBeLessThanOrEqual(20);
    for (const [i, x] of s.entries()) {
      expect(x.at).toBeLessThan(60_000);
      if (i > 0) expect(x.at - s[i - 1]!.at).toBeGreaterThanOrEqual(2_999);
      expect(['app', 'balancer', 'leader']).toContain(x.kind);
    }
  });

  test('a Redis restart is planned once, near the middle, only when asked', () => {
    expect(chaosSchedule({ seed: 3, durationMs: 60_000 }).some((x) => x.kind === 'redis-restart')).toBe(
      false,
    );
    const r = chaosSchedule({ seed: 3, durationMs: 60_000, redisRestart: true }).filter(
      (x) => x.kind === 'redis-restart',
    );
    expect(r).toHaveLength(1);
    expect(r[0]!.at).toBe(30_500);
  });

  test('the generator is seeded and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1_000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1_000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
