import { describe, expect, test } from 'bun:test';
import { figuresOf, line, type Pass, passPart } from './report.ts';

describe('figuresOf', () => {
  test('takes median and max of each measure and checks max against its target', () => {
    const f = figuresOf({ scaleOut: [400, 200, 3_500], failover: [900, 1_100], deadServer: [] });
    expect(f.scaleOut).toEqual({
      n: 3,
      median: 400,
      max: 3_500,
      samplesMs: [400, 200, 3_500],
      targetMs: 3_000,
      met: false,
    });
    expect(f.failover).toEqual({
      n: 2,
      median: 1_000,
      max: 1_100,
      samplesMs: [900, 1_100],
      targetMs: 2_000,
      met: true,
    });
    expect(f.deadServer).toEqual({
      n: 0,
      median: null,
      max: null,
      samplesMs: [],
      targetMs: 1_000,
      met: false,
    });
  });
});

describe('the last line', () => {
  const figures = figuresOf({ scaleOut: [370, 770], failover: [800], deadServer: [10, 1_200] });

  test.each([
    ['scaleOut', 'scale-out', 'scale-out 0.57 s median / 0.77 s max (≤ 3.00 s met)'],
    ['failover', 'failover', 'failover 0.80 s median / 0.80 s max (≤ 2.00 s met)'],
    ['deadServer', 'dead-server', 'dead-server 0.60 s median / 1.20 s max (≤ 1.00 s MISSED)'],
  ] as const)('line of %s reads its median, max and target', (k, label, want) => {
    expect(line(figures, k, label)).toBe(want);
  });

  test.each([
    ['skipped', { skipped: 'no engine' }, ' | docker: skipped'],
    ['failed', { failed: 'boom' }, ' | docker: FAILED'],
    [
      'measured',
      { image: 'zonescale:local', figures },
      ' | docker (a, b, c median/max): 0.57 s/0.77 s, 0.80 s/0.80 s, 0.60 s/1.20 s MISSED',
    ],
  ] as [string, Pass, string][])('passPart of a %s pass gives its part of the last line', (_, p, want) => {
    expect(passPart('docker', p)).toBe(want);
  });
});
