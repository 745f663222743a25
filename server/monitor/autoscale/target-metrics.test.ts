/**
 * Multi-metric target tracking (HPA v2), table-driven: each metric's replica calculation with the
 * Kubernetes documentation's worked examples (a metric at twice its target doubles the replicas,
 * at half halves them, within the 0.1 tolerance nothing changes), p95 latency against an SLO, and
 * several metrics where "the largest recommendation is chosen", a missing metric blocking only a
 * scale-down, and the decision naming the metric that drove it.
 */
import { describe, expect, test } from 'bun:test';
import { HPA_DEFAULT_TARGET_POLICY } from '../../../test/support/policies.ts';
import type { TargetMetric, TargetPolicy } from '../../shared/types.ts';
import { recommend, type ServerSample } from './replica-calculator.ts';
import { decideTarget, emptyHistory, recommendAll } from './target-policy.ts';

const NOW = 10_000_000;
/** Ready servers (started an hour ago) with the given metrics; unlisted metrics are null. */
const servers = (n: number, m: Partial<Omit<ServerSample, 'id' | 'createdAt'>>): ServerSample[] =>
  Array.from({ length: n }, (_, i) => ({ id: `s${i + 1}`, createdAt: NOW - 3_600_000, cpu: null, ...m }));

const policy = (metrics: TargetMetric[], over: Partial<TargetPolicy> = {}): TargetPolicy => ({
  ...HPA_DEFAULT_TARGET_POLICY,
  maxReplicas: 100,
  scaleDown: { ...HPA_DEFAULT_TARGET_POLICY.scaleDown, stabilizationWindowMs: 0 },
  metrics,
  ...over,
});

describe('target tracking per metric (HPA algorithm details, any metric)', () => {
  test.each([
    // [case, metric, current, servers, replicas, reason]
    // The documentation: "if the current metric value is 200m, and the desired value is 100m, the number of replicas will be doubled".
    [
      'rps 200 against 100 doubles the replicas',
      { name: 'rps', target: 100 },
      2,
      servers(2, { rps: 200 }),
      4,
      'AboveTarget',
    ],
    // "If the current value is instead 50m, you'll halve the number of replicas".
    [
      'rps 50 against 100 halves them',
      { name: 'rps', target: 100 },
      4,
      servers(4, { rps: 50 }),
      2,
      'BelowTarget',
    ],
    // "the control plane skips any scaling action if the ratio is sufficiently close to 1.0 (within 0.1)".
    [
      'rps 105 against 100 is within the tolerance',
      { name: 'rps', target: 100 },
      3,
      servers(3, { rps: 105 }),
      3,
      'DesiredWithinTolerance',
    ],
    [
      'memory 300 MB against 200 MB: ceil(1.5 x 3) = 5',
      { name: 'memory', target: 200 },
      3,
      servers(3, { memoryMb: 300 }),
      5,
      'AboveTarget',
    ],
    [
      'concurrency 5 against 10 in flight halves 4 to 2',
      { name: 'concurrency', target: 10 },
      4,
      servers(4, { concurrency: 5 }),
      2,
      'BelowTarget',
    ],
    [
      'p95 300 ms against a 200 ms SLO: ratio 1.5, 2 -> 3',
      { name: 'p95-latency', target: 200 },
      2,
      servers(2, { p95Ms: 300 }),
      3,
      'AboveTarget',
    ],
    [
      'p95 within the SLO band keeps the size',
      { name: 'p95-latency', target: 200 },
      2,
      servers(2, { p95Ms: 210 }),
      2,
      'DesiredWithinTolerance',
    ],
    [
      'no samples of the metric gives no recommendation',
      { name: 'rps', target: 100 },
      2,
      servers(2, { cpu: 90 }),
      null,
      'NoSamples',
    ],
  ] as const)('%s', (_case, metric, current, s, replicas, reason) => {
    const r = recommend(current, s, metric, policy([metric]), NOW);
    expect([r.replicas, r.reason, r.metric]).toEqual([replicas, reason, metric.name]);
  });
});

describe('several metrics: the largest recommendation is chosen', () => {
  const cpuRps = [
    { name: 'cpu', target: 50 },
    { name: 'rps', target: 100 },
  ] as const satisfies TargetMetric[];
  test.each([
    // [case, current, servers, replicas, reason, metric]
    ['rps wants 4, cpu 2: rps drives', 2, servers(2, { cpu: 50, rps: 200 }), 4, 'AboveTarget', 'rps'],
    ['cpu wants 6, rps 1: cpu drives', 2, servers(2, { cpu: 150, rps: 40 }), 6, 'AboveTarget', 'cpu'],
    [
      'both below target: the larger of the two smaller counts',
      4,
      servers(4, { cpu: 25, rps: 10 }),
      2,
      'BelowTarget',
      'cpu',
    ],
    [
      'one within tolerance, the other lower: the zone keeps its size',
      4,
      servers(4, { cpu: 50, rps: 10 }),
      4,
      'DesiredWithinTolerance',
      'cpu',
    ],
    [
      'rps missing, cpu wants fewer: no scale-down (HPA)',
      4,
      servers(4, { cpu: 10 }),
      4,
      'MissingMetricsHold',
      'cpu',
    ],
    [
      'rps missing, cpu wants more: the scale-up happens (HPA)',
      2,
      servers(2, { cpu: 100 }),
      4,
      'AboveTarget',
      'cpu',
    ],
    ['no metric has samples', 2, servers(2, {}), null, 'NoSamples', 'cpu'],
  ] as const)('%s', (_case, current, s, replicas, reason, metric) => {
    const r = recommendAll(current, s, policy([...cpuRps]), NOW);
    expect([r.replicas, r.reason, r.metric]).toEqual([replicas, reason, metric]);
  });

  test('the decision names the metric that drove it, in its field and its message', () => {
    const d = decideTarget(
      {
        zone: 'zone1',
        replicas: 2,
        servers: servers(2, { cpu: 40, rps: 200, p95Ms: 100 }),
        history: emptyHistory(),
      },
      policy([
        { name: 'cpu', target: 50 },
        { name: 'rps', target: 100 },
        { name: 'p95-latency', target: 200 },
      ]),
      NOW,
    );
    expect([d.desired, d.reason, d.metric]).toEqual([4, 'AboveTarget', 'rps']);
    expect(d.message).toContain('zone1: rps drives: average rps 200.0 req/s over 2 ready servers');
    expect(d.message).toContain('largest of cpu 2, rps 4, p95-latency 1');
  });

  test('with --min-replicas 0 a zone with no requests goes to zero; the default minimum keeps 1', () => {
    const zone = { zone: 'zone1', replicas: 1, servers: servers(1, { rps: 0 }), history: emptyHistory() };
    const rps = [{ name: 'rps', target: 100 }] as const satisfies TargetMetric[];
    expect(decideTarget(zone, policy([...rps], { minReplicas: 0 }), NOW).desired).toBe(0);
    expect(decideTarget(zone, policy([...rps]), NOW)).toMatchObject({
      desired: 1,
      reason: 'AtMinReplicas',
    });
  });
});
