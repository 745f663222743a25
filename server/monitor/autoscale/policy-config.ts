/**
 * Turns the monitor's flags into autoscaling policies: the cluster default (`--policy`) and the
 * per-zone overrides (`--zone-policies zone2=target,zone3=concurrency`), with the threshold flags
 * (`--high-cpu`, `--low-cpu`, `--scale-down-stabilization-ms`, `--scale-up-periods`) for
 * `threshold`, the HPA-style flags (`--metrics cpu=60,rps=50` or its shorthand `--target-cpu`,
 * `--tolerance`, the stabilization windows, `--scale-up-policies Pods:4:15000,Percent:100:15000`,
 * …) for `target`, and the Knative-style flags (`--target-concurrency`, `--stable-window-ms`,
 * `--panic-window-ms`, `--panic-threshold`, the scale rates, `--scale-to-zero-grace-ms`) for
 * `concurrency`. A pure mapping: the defaults and every check (steps, zones of the overrides,
 * `--min-replicas 0` only off the threshold rule) live in `server/config/`.
 */
import type { PolicyKind } from '../../config/autoscale-flags.ts';
import type { MonitorConfig } from '../../config/roles.ts';
import type { Policy, ZoneId } from '../../shared/types.ts';

/** The policies of a monitor: `byZone` holds only the zones whose policy differs from `default`. */
export interface Policies {
  default: Policy;
  byZone: Partial<Record<ZoneId, Policy>>;
}

type PolicyFlags = Pick<
  MonitorConfig,
  | 'policy'
  | 'zonePolicies'
  | 'zones'
  | 'highCpu'
  | 'lowCpu'
  | 'minReplicas'
  | 'maxReplicas'
  | 'periodMs'
  | 'windowMs'
  | 'targetCpu'
  | 'metrics'
  | 'tolerance'
  | 'scaleUpStabilizationMs'
  | 'scaleDownStabilizationMs'
  | 'scaleUpPeriods'
  | 'scaleUpPolicies'
  | 'scaleDownPolicies'
  | 'scaleUpSelect'
  | 'scaleDownSelect'
  | 'initializationMs'
  | 'cooldownMs'
  | 'targetConcurrency'
  | 'stableWindowMs'
  | 'panicWindowMs'
  | 'panicThreshold'
  | 'maxScaleUpRate'
  | 'maxScaleDownRate'
  | 'scaleToZeroGraceMs'
>;

/**
 * Builds the policy of one kind from the (validated) flags. The threshold rule keeps at least 1
 * replica whatever `--min-replicas` says (the config refuses 0 for zones that run it).
 */
export function policyOf(kind: PolicyKind, c: PolicyFlags): Policy {
  const bounds = {
    minReplicas: c.minReplicas,
    maxReplicas: c.maxReplicas,
    periodMs: c.periodMs,
    windowMs: c.windowMs,
  };
  switch (kind) {
    case 'threshold':
      return {
        kind,
        highCpu: c.highCpu,
        lowCpu: c.lowCpu,
        ...bounds,
        // The CPU rule has no notion of idle time: it never scales a zone to zero.
        minReplicas: Math.max(1, c.minReplicas),
        scaleDownStabilizationMs: c.scaleDownStabilizationMs,
        scaleUpPeriods: c.scaleUpPeriods,
      };
    case 'target':
      return {
        kind,
        metrics: c.metrics.length > 0 ? c.metrics : [{ name: 'cpu', target: c.targetCpu }],
        tolerance: c.tolerance,
        ...bounds,
        initializationMs: c.initializationMs,
        cooldownMs: c.cooldownMs,
        scaleUp: {
          stabilizationWindowMs: c.scaleUpStabilizationMs,
          selectPolicy: c.scaleUpSelect,
          policies: c.scaleUpPolicies,
        },
        scaleDown: {
          stabilizationWindowMs: c.scaleDownStabilizationMs,
          selectPolicy: c.scaleDownSelect,
          policies: c.scaleDownPolicies,
        },
      };
    case 'concurrency':
      return {
        kind,
        targetConcurrency: c.targetConcurrency,
        stableWindowMs: c.stableWindowMs,
        panicWindowMs: c.panicWindowMs,
        panicThreshold: c.panicThreshold,
        maxScaleUpRate: c.maxScaleUpRate,
        maxScaleDownRate: c.maxScaleDownRate,
        scaleToZeroGraceMs: c.scaleToZeroGraceMs,
        ...bounds,
      };
  }
}

/** The default policy and the per-zone overrides (zones and kinds already checked by the config). */
export function buildPolicies(c: PolicyFlags): Policies {
  const byZone: Partial<Record<ZoneId, Policy>> = {};
  for (const [zone, kind] of c.zonePolicies) if (kind !== c.policy) byZone[zone] = policyOf(kind, c);
  return { default: policyOf(c.policy, c), byZone };
}
