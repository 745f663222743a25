/**
 * Target tracking as pure functions, table-driven where cases repeat: the replica calculator (the
 * HPA's algorithm details), the step limits (scaling policies) and whole decisions with their
 * stabilization windows, bounds, cooldown and history.
 */
import { describe, expect, test } from 'bun:test';
import { HPA_DEFAULT_TARGET_POLICY } from '../../../test/support/policies.ts';
import type { TargetPolicy } from '../../shared/types.ts';
import { recommend, type ServerSample } from './replica-calculator.ts';
import { decideTarget, emptyHistory, recordAction, type ScaleHistory, stepLimit } from './target-policy.ts';

const NOW = 10_000_000;
/** The policy's one metric: CPU at a 50 % target. */
const CPU50 = { name: 'cpu', target: 50 } as const;
/** A server started long ago (ready) with `cpu` % (null = no samples). */
const ready = (id: string, cpu: number | null): ServerSample => ({ id, createdAt: NOW - 3_600_000, cpu });
/** A server started `agoMs` ago. */
const starting = (id: string, cpu: number | null, agoMs = 1_000): ServerSample => ({
  id,
  createdAt: NOW - agoMs,
  cpu,
});
const loaded = (...cpus: (number | null)[]) => cpus.map((c, i) => ready(`s${i + 1}`, c));

/** The HPA defaults with a target of 50 %, no stabilization and room to 100 replicas, unless overridden. */
const policy = (over: Partial<TargetPolicy> = {}): TargetPolicy => ({
  ...HPA_DEFAULT_TARGET_POLICY,
  maxReplicas: 100,
  scaleDown: { ...HPA_DEFAULT_TARGET_POLICY.scaleDown, stabilizationWindowMs: 0 },
  ...over,
});

describe('target tracking: the replica calculator (HPA algorithm details)', () => {
  test.each([
    // [case, current, servers, expected replicas, reason]
    ['twice the target doubles the replicas', 2, loaded(100, 100), 4, 'AboveTarget'],
    ['half the target halves the replicas', 4, loaded(25, 25, 25, 25), 2, 'BelowTarget'],
    ['the ratio is rounded up (ceil)', 3, loaded(60, 60, 60), 4, 'AboveTarget'],
    [
      'within the 0.1 tolerance nothing changes (54 % against 50 %)',
      1,
      loaded(54),
      1,
      'DesiredWithinTolerance',
    ],
    [
      'at the tolerance edge nothing changes (55 % against 50 %)',
      2,
      loaded(55, 55),
      2,
      'DesiredWithinTolerance',
    ],
    ['just past the tolerance it scales (56 % against 50 %)', 1, loaded(56), 2, 'AboveTarget'],
    ['on scale-up a server without samples counts as 0 %', 3, loaded(90, 90, null), 4, 'AboveTarget'],
    [
      'on scale-down a server without samples counts as the target',
      3,
      loaded(10, 10, null),
      2,
      'BelowTarget',
    ],
    [
      'a missing server that would reverse a scale-up keeps the size',
      2,
      loaded(60, null),
      2,
      'MissingMetricsHold',
    ],
    [
      'a missing server that would reverse a scale-down keeps the size',
      2,
      loaded(40, null),
      2,
      'MissingMetricsHold',
    ],
    [
      'on scale-up a starting server counts as 0 % (here back into tolerance)',
      2,
      [ready('a', 100), starting('b', 100)],
      2,
      'MissingMetricsHold',
    ],
    [
      'on scale-up a starting server counts as 0 % (still above target: 200 % and 0 % -> 4)',
      2,
      [ready('a', 200), starting('b', null)],
      4,
      'AboveTarget',
    ],
    [
      'on scale-down a starting server is set aside entirely',
      2,
      [ready('a', 10), starting('b', 90)],
      1,
      'BelowTarget',
    ],
    [
      'no ready server with samples gives no recommendation',
      2,
      [ready('a', null), starting('b', 90)],
      null,
      'NoSamples',
    ],
  ] as const)('%s', (_case, current, servers, replicas, reason) => {
    const r = recommend(current, servers, CPU50, policy(), NOW);
    expect(r.replicas).toBe(replicas);
    expect(r.reason).toBe(reason);
  });

  test('a server counts again once its initialization window has passed', () => {
    const p = policy({ initializationMs: 5_000 });
    expect(recommend(2, [ready('a', 10), starting('b', 90, 4_999)], CPU50, p, NOW).replicas).toBe(1);
    expect(recommend(2, [ready('a', 10), starting('b', 90, 5_000)], CPU50, p, NOW).replicas).toBe(2);
  });
});

describe('target tracking: step limits (HPA scaling policies)', () => {
  const down = (selectPolicy: 'Max' | 'Min' | 'Disabled') => ({
    stabilizationWindowMs: 0,
    selectPolicy,
    policies: [
      { type: 'Pods' as const, value: 4, periodMs: 60_000 },
      { type: 'Percent' as const, value: 10, periodMs: 60_000 },
    ],
  });
  test.each([
    // The documented example: 80 replicas, 4 pods or 10 % a minute.
    ['Max picks the policy that allows the most change: 10 % of 80', 'Max', [], 80, 72],
    ['Min picks the policy that allows the least change: 4 pods', 'Min', [], 80, 76],
    ['Disabled forbids the direction', 'Disabled', [], 80, 80],
    [
      'replicas already removed this period count against the limit',
      'Max',
      [{ ts: NOW - 10_000, delta: -8 }],
      72,
      72,
    ],
    ['removals older than the period do not count', 'Max', [{ ts: NOW - 60_000, delta: -8 }], 72, 64],
  ] as const)('scale-down: %s', (_case, select, actions, current, limit) => {
    expect(stepLimit(current, down(select), [...actions], -1, NOW)).toBe(limit);
  });

  test.each([
    ['4 pods beat 100 % of 2 (Max of 6 and 4)', 2, [], 6],
    ['100 % of 10 beats 4 pods (Max of 14 and 20)', 10, [], 20],
    ['additions this period count from the period start', 6, [{ ts: NOW - 5_000, delta: 4 }], 6],
  ] as const)('scale-up with the HPA defaults: %s', (_case, current, actions, limit) => {
    expect(stepLimit(current, HPA_DEFAULT_TARGET_POLICY.scaleUp, [...actions], 1, NOW)).toBe(limit);
  });
});

describe('target tracking: decisions', () => {
  const history = (recs: [number, number][], lastActionAt: number | null = null): ScaleHistory => ({
    recommendations: recs.map(([ago, replicas]) => ({ ts: NOW - ago, replicas })),
    actions: [],
    lastActionAt,
  });
  const zone = (replicas: number, servers: ServerSample[], h: ScaleHistory = emptyHistory()) => ({
    zone: 'zone1',
    replicas,
    servers,
    history: h,
  });

  test.each([
    [
      'scale-down takes the highest recommendation of its window (300 s)',
      policy({ scaleDown: HPA_DEFAULT_TARGET_POLICY.scaleDown }),
      zone(
        5,
        loaded(20, 20, 20, 20, 20),
        history([
          [100_000, 5],
          [50_000, 3],
        ]),
      ),
      5,
      'ScaleDownStabilized',
    ],
    [
      'scale-down recommendations older than the window are forgotten',
      policy({ scaleDown: HPA_DEFAULT_TARGET_POLICY.scaleDown }),
      zone(
        5,
        loaded(20, 20, 20, 20, 20),
        history([
          [300_000, 5],
          [50_000, 3],
        ]),
      ),
      3,
      'ScaleDownStabilized',
    ],
    [
      'scale-up takes the lowest recommendation of its window',
      policy({ scaleUp: { ...HPA_DEFAULT_TARGET_POLICY.scaleUp, stabilizationWindowMs: 60_000 } }),
      zone(2, loaded(150, 150), history([[30_000, 2]])),
      2,
      'ScaleUpStabilized',
    ],
    [
      'scale-up with no window acts on the newest recommendation at once',
      policy(),
      zone(2, loaded(150, 150), history([[5_000, 2]])),
      6,
      'AboveTarget',
    ],
    [
      'at the maximum it holds with AtMaxReplicas',
      policy({ maxReplicas: 3 }),
      zone(3, loaded(90, 90, 90)),
      3,
      'AtMaxReplicas',
    ],
    [
      'a jump past the maximum is capped at it',
      policy({ maxReplicas: 3 }),
      zone(2, loaded(100, 100)),
      3,
      'AtMaxReplicas',
    ],
    [
      'a drop below the minimum is floored at it',
      policy({ minReplicas: 2 }),
      zone(4, loaded(5, 5, 5, 5)),
      2,
      'AtMinReplicas',
    ],
    [
      'a jump faster than the step limit is limited',
      policy({
        scaleUp: {
          stabilizationWindowMs: 0,
          selectPolicy: 'Max',
          policies: [{ type: 'Pods', value: 1, periodMs: 10_000 }],
        },
      }),
      zone(2, loaded(150, 150)),
      3,
      'ScaleUpLimit',
    ],
    [
      'within the cooldown after an action it holds',
      policy({ cooldownMs: 10_000 }),
      zone(2, loaded(100, 100), history([], NOW - 4_000)),
      2,
      'CoolingDown',
    ],
    [
      'after the cooldown it acts',
      policy({ cooldownMs: 10_000 }),
      zone(2, loaded(100, 100), history([], NOW - 10_000)),
      4,
      'AboveTarget',
    ],
    ['below the minimum it refills first', policy({ minReplicas: 2 }), zone(1, []), 2, 'BelowMinReplicas'],
    [
      'above the maximum it trims first',
      policy({ maxReplicas: 3 }),
      zone(5, loaded(50, 50, 50, 50, 50)),
      3,
      'AboveMaxReplicas',
    ],
    ['without samples it holds', policy(), zone(2, loaded(null, null)), 2, 'NoSamples'],
  ] as const)('%s', (_case, p, z, desired, reason) => {
    const d = decideTarget(z, p, NOW);
    expect(d.desired).toBe(desired);
    expect(d.reason).toBe(reason);
    expect(d.message.startsWith('zone1: ')).toBe(true);
  });

  test('every decision adds its raw recommendation to the history it returns, and old ones are dropped', () => {
    const p = policy({ scaleDown: HPA_DEFAULT_TARGET_POLICY.scaleDown });
    const d = decideTarget(
      zone(
        4,
        loaded(25, 25, 25, 25),
        history([
          [400_000, 9],
          [10_000, 4],
        ]),
      ),
      p,
      NOW,
    );
    expect(d.recommendation).toBe(2);
    expect(d.history.recommendations).toEqual([
      { ts: NOW - 10_000, replicas: 4 },
      { ts: NOW, replicas: 2 },
    ]);
    expect(d.desired).toBe(4);
  });

  test('recording an action feeds the step limit and the cooldown of the next decision', () => {
    const p = policy({
      cooldownMs: 1_000,
      scaleUp: {
        stabilizationWindowMs: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 2, periodMs: 60_000 }],
      },
    });
    const first = decideTarget(zone(2, loaded(150, 150)), p, NOW);
    expect(first.desired).toBe(4);
    const h = recordAction(first.history, NOW, first.desired - 2);
    const second = decideTarget(zone(4, loaded(150, 150, 150, 150), h), p, NOW + 2_000);
    expect(second.reason).toBe('ScaleUpLimit');
    expect(second.desired).toBe(4);
  });
});
