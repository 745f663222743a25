/**
 * Autoscaling policies for unit tests: the monitor's shipped defaults (from `server/config/`, their
 * one home) with per-test overrides, and Kubernetes' HPA defaults as a reference point.
 */
import { MonitorConfig } from '../../server/config/roles.ts';
import { policyOf } from '../../server/monitor/autoscale/policy-config.ts';
import type { ConcurrencyPolicy, TargetPolicy, ThresholdPolicy } from '../../server/shared/types.ts';

/** The monitor's configuration with every default (only the required flags given). */
export function monitorDefaults(): MonitorConfig {
  return MonitorConfig.parse({ token: 'x'.repeat(32), id: '1', peers: '1=http://127.0.0.1:7001' });
}

/** The threshold policy a monitor runs with its defaults, with `over` applied. */
export function thresholdPolicy(over: Partial<ThresholdPolicy> = {}): ThresholdPolicy {
  const p = policyOf('threshold', monitorDefaults());
  if (p.kind !== 'threshold') throw new TypeError('policyOf(threshold) built another kind');
  return { ...p, ...over };
}

/** Kubernetes' HPA defaults (15 s sync, 0 s up / 300 s down stabilization, 4 pods or 100 % per 15 s up, 100 % per 15 s down). */
export const HPA_DEFAULT_TARGET_POLICY: TargetPolicy = {
  kind: 'target',
  metrics: [{ name: 'cpu', target: 50 }],
  tolerance: 0.1,
  minReplicas: 1,
  maxReplicas: 5,
  periodMs: 15_000,
  windowMs: 15_000,
  initializationMs: 300_000,
  cooldownMs: 0,
  scaleUp: {
    stabilizationWindowMs: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodMs: 15_000 },
      { type: 'Percent', value: 100, periodMs: 15_000 },
    ],
  },
  scaleDown: {
    stabilizationWindowMs: 300_000,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodMs: 15_000 }],
  },
};

/** Knative's KPA defaults (target 10, 60 s stable, 6 s panic, 200 %, rates 1000 / 2, 30 s grace) with the monitor's bounds and periods. */
export const KNATIVE_DEFAULT_CONCURRENCY_POLICY: ConcurrencyPolicy = {
  kind: 'concurrency',
  targetConcurrency: 10,
  stableWindowMs: 60_000,
  panicWindowMs: 6_000,
  panicThreshold: 2,
  maxScaleUpRate: 1000,
  maxScaleDownRate: 2,
  scaleToZeroGraceMs: 30_000,
  minReplicas: 0,
  maxReplicas: 5,
  periodMs: 10_000,
  windowMs: 10_000,
};
