/** The scenario curves: start points, gradual moves, and staying inside the source design's bands. */
import { describe, expect, test } from 'bun:test';
import { mulberry32 } from '../shared/random.ts';
import { DEFAULT_CURVE, type ScenarioState, startScenario, stepScenario } from './scenario.ts';

const seeded = mulberry32;

function run(mode: 'high' | 'low', steps: number, dtMs: number, rand: () => number): number[] {
  let s: ScenarioState = startScenario(mode);
  const out: number[] = [s.target ?? NaN];
  for (let i = 0; i < steps; i++) {
    s = stepScenario(s, dtMs, rand);
    out.push(s.target ?? NaN);
  }
  return out;
}

describe('scenario curves', () => {
  test.each([
    ['high', 0],
    ['low', 50],
  ] as const)('%s starts at %i %', (mode, start) => {
    expect(startScenario(mode).target).toBe(start);
  });

  test('off has no target and stepping keeps it so', () => {
    const s = startScenario('off');
    expect(s.target).toBeNull();
    expect(stepScenario(s, 1000, Math.random)).toEqual(s);
  });

  describe.each([1, 7, 42])('with seed %i', (seed) => {
    test.each([
      ['high', 70, 75],
      ['low', 1, 10],
    ] as const)('%s reaches its band (%i–%i %) and stays there for hundreds of steps', (mode, lo, hi) => {
      const series = run(mode, 600, 1000, seeded(seed));
      const firstInBand = series.findIndex((x) => x >= lo && x <= hi);
      expect(firstInBand).toBeGreaterThan(3); // gradual, not a jump
      expect(firstInBand).toBeLessThan(15);
      for (const x of series.slice(firstInBand)) {
        expect(x).toBeGreaterThanOrEqual(lo);
        expect(x).toBeLessThanOrEqual(hi);
      }
    });

    test.each(['high', 'low'] as const)('%s moves by a bounded step every second', (mode) => {
      const series = run(mode, 300, 1000, seeded(seed));
      const maxStep = Math.max(
        DEFAULT_CURVE.highRisePerSec,
        DEFAULT_CURVE.lowFallPerSec,
        DEFAULT_CURVE.wanderPerSec,
      );
      for (let i = 1; i < series.length; i++)
        expect(Math.abs(series[i]! - series[i - 1]!)).toBeLessThanOrEqual(maxStep + 1e-9);
    });
  });

  test('high rises monotonically before the band and low falls monotonically', () => {
    const high = run('high', 8, 1000, () => 0.5);
    const low = run('low', 8, 1000, () => 0.5);
    for (let i = 1; i < high.length; i++) expect(high[i]!).toBeGreaterThan(high[i - 1]!);
    for (let i = 1; i < low.length; i++) expect(low[i]!).toBeLessThan(low[i - 1]!);
  });

  test('the step scales with elapsed time (the same curve at 250 ms and at 1 s ticks)', () => {
    const quarter = run('high', 20, 250, () => 0.5);
    const whole = run('high', 5, 1000, () => 0.5);
    expect(quarter[20]).toBeCloseTo(whole[5]!);
  });
});
