import { describe, expect, test } from 'bun:test';
import { DEFAULT_THRESHOLD_POLICY, decide } from './threshold-policy.ts';

const policy = DEFAULT_THRESHOLD_POLICY;
const now = 1_000_000;

describe('threshold policy', () => {
  test.each([
    { replicas: 1, avgCpu: 72.4, lastActionAt: null, desired: 2, reason: 'AboveHighThreshold' },
    { replicas: 5, avgCpu: 90, lastActionAt: null, desired: 5, reason: 'AtMaxReplicas' },
    { replicas: 3, avgCpu: 5, lastActionAt: null, desired: 2, reason: 'BelowLowThreshold' },
    { replicas: 1, avgCpu: 5, lastActionAt: null, desired: 1, reason: 'AtMinReplicas' },
    { replicas: 2, avgCpu: 40, lastActionAt: null, desired: 2, reason: 'WithinThresholds' },
    { replicas: 2, avgCpu: 60, lastActionAt: null, desired: 2, reason: 'WithinThresholds' },
    { replicas: 2, avgCpu: 20, lastActionAt: null, desired: 2, reason: 'WithinThresholds' },
    { replicas: 2, avgCpu: null, lastActionAt: null, desired: 2, reason: 'NoSamples' },
    { replicas: 2, avgCpu: 90, lastActionAt: now - 5_000, desired: 2, reason: 'CoolingDown' },
    { replicas: 2, avgCpu: 90, lastActionAt: now - 10_000, desired: 3, reason: 'AboveHighThreshold' },
    { replicas: 0, avgCpu: null, lastActionAt: now, desired: 1, reason: 'BelowMinReplicas' },
    { replicas: 7, avgCpu: 50, lastActionAt: null, desired: 6, reason: 'AboveMaxReplicas' },
  ])('$reason: $replicas replicas become $desired', ({ replicas, avgCpu, lastActionAt, desired, reason }) => {
    const d = decide({ zone: 'zone1', replicas, avgCpu, lastActionAt }, policy, now);
    expect(d.desired).toBe(desired);
    expect(d.reason).toBe(reason as typeof d.reason);
    expect(d.message).toContain('zone1');
  });

  test('a scale-up message carries the numbers', () => {
    const d = decide({ zone: 'zone1', replicas: 1, avgCpu: 72.44, lastActionAt: null }, policy, now);
    expect(d.message).toBe('zone1 average CPU 72.4 % > 60 %: 1 -> 2 replicas');
  });

  test('the High scenario plateau (70-75 %) scales up and the Low plateau (1-10 %) scales down with the defaults', () => {
    for (const cpu of [70, 75])
      expect(decide({ zone: 'z1', replicas: 2, avgCpu: cpu, lastActionAt: null }, policy, now).desired).toBe(
        3,
      );
    for (const cpu of [1, 10])
      expect(decide({ zone: 'z1', replicas: 2, avgCpu: cpu, lastActionAt: null }, policy, now).desired).toBe(
        1,
      );
  });
});
