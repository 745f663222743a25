import { describe, expect, test } from 'bun:test';
import { policyLines } from './policy-lines.ts';

const rules = { stabilizationWindowMs: 0, selectPolicy: 'Max' as const, policies: [] };
const bounds = { minReplicas: 1, maxReplicas: 5, periodMs: 2_000, windowMs: 4_000 };

describe('policy reference lines', () => {
  test('a threshold policy draws its high and low thresholds and no target', () => {
    expect(
      policyLines({
        kind: 'threshold',
        highCpu: 60,
        lowCpu: 20,
        ...bounds,
        scaleDownStabilizationMs: 4_000,
        scaleUpPeriods: 1,
      }),
    ).toEqual({
      high: 60,
      low: 20,
      target: null,
    });
  });

  test('a target policy draws the target and the edges of its tolerance band', () => {
    const p = {
      kind: 'target' as const,
      metrics: [{ name: 'cpu' as const, target: 50 }],
      tolerance: 0.1,
      initializationMs: 0,
      cooldownMs: 0,
      scaleUp: rules,
      scaleDown: rules,
      ...bounds,
    };
    expect(policyLines(p)).toEqual({ high: 55, low: 45, target: 50 });
  });
});
