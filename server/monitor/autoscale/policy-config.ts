/**
 * Turns the monitor's flags into autoscaling policies: the cluster default (`--policy`) and the
 * per-zone overrides (`--zone-policies zone2=target`), with the threshold flags (`--high-cpu`,
 * `--low-cpu`) for `threshold` and the HPA-style flags (`--target-cpu`, `--tolerance`, the
 * stabilization windows, `--scale-up-policies Pods:4:15000,Percent:100:15000`, …) for `target`.
 * Validated once at start: a bad value throws `BadConfig` naming the flag.
 */
import type { MonitorConfig } from '../../config/roles.ts';
import { BadConfig } from '../../shared/errors.ts';
import type { Policy, ScalingStep, ZoneId } from '../../shared/types.ts';

/** The policies of a monitor: `byZone` holds only the zones whose policy differs from `default`. */
export interface Policies {
  default: Policy;
  byZone: Partial<Record<ZoneId, Policy>>;
}

/** Parses `Pods:4:15000,Percent:100:15000` (type, value, period ms). @throws BadConfig naming `flag` */
export function parseSteps(s: string, flag: string): ScalingStep[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(Pods|Percent):(\d+):(\d+)$/.exec(part);
      if (!m || Number(m[2]) < 1 || Number(m[3]) < 1)
        throw new BadConfig(
          `${flag}: "${part}" is not Type:value:periodMs with Type Pods or Percent and positive numbers (e.g. Pods:4:15000)`,
        );
      return { type: m[1] as ScalingStep['type'], value: Number(m[2]), periodMs: Number(m[3]) };
    });
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
  | 'tolerance'
  | 'scaleUpStabilizationMs'
  | 'scaleDownStabilizationMs'
  | 'scaleUpPolicies'
  | 'scaleDownPolicies'
  | 'scaleUpSelect'
  | 'scaleDownSelect'
  | 'initializationMs'
  | 'cooldownMs'
>;

/** Builds the policy of one kind from the flags. @throws BadConfig */
export function policyOf(kind: Policy['kind'], c: PolicyFlags): Policy {
  const bounds = {
    minReplicas: c.minReplicas,
    maxReplicas: c.maxReplicas,
    periodMs: c.periodMs,
    windowMs: c.windowMs,
  };
  switch (kind) {
    case 'threshold':
      return { kind, highCpu: c.highCpu, lowCpu: c.lowCpu, ...bounds };
    case 'target':
      return {
        kind,
        target: c.targetCpu,
        tolerance: c.tolerance,
        ...bounds,
        initializationMs: c.initializationMs,
        cooldownMs: c.cooldownMs,
        scaleUp: {
          stabilizationWindowMs: c.scaleUpStabilizationMs,
          selectPolicy: c.scaleUpSelect,
          policies: parseSteps(c.scaleUpPolicies, '--scale-up-policies'),
        },
        scaleDown: {
          stabilizationWindowMs: c.scaleDownStabilizationMs,
          selectPolicy: c.scaleDownSelect,
          policies: parseSteps(c.scaleDownPolicies, '--scale-down-policies'),
        },
      };
  }
}

/** The default policy and the per-zone overrides. @throws BadConfig for an unknown zone or kind */
export function buildPolicies(c: PolicyFlags): Policies {
  const byZone: Partial<Record<ZoneId, Policy>> = {};
  for (const part of c.zonePolicies) {
    const m = /^([a-z][a-z0-9-]*)=(threshold|target)$/.exec(part);
    if (!m) throw new BadConfig(`--zone-policies: "${part}" is not zone=threshold or zone=target`);
    const [, zone, kind] = m as unknown as [string, string, Policy['kind']];
    if (!c.zones.includes(zone))
      throw new BadConfig(`--zone-policies: zone "${zone}" is not in --zones (${c.zones.join(', ')})`);
    if (kind !== c.policy) byZone[zone] = policyOf(kind, c);
  }
  return { default: policyOf(c.policy, c), byZone };
}
