/**
 * Where the CPU chart, the zone gauges and the server rows draw their reference lines for either
 * autoscaling policy: the threshold policy's `highCpu` / `lowCpu`, or for target tracking the
 * target and the edges of its tolerance band (target × (1 ± tolerance)), outside which the HPA acts.
 */
import type { Policy } from '../../server/shared/types.ts';

/** Reference lines, CPU %: scale-up edge, scale-down edge, and the target (null for `threshold`). */
export interface PolicyLines {
  high: number;
  low: number;
  target: number | null;
}

/** The lines of `policy`. */
export function policyLines(policy: Policy): PolicyLines {
  switch (policy.kind) {
    case 'threshold':
      return { high: policy.highCpu, low: policy.lowCpu, target: null };
    case 'target': {
      const r = (x: number) => Math.round(x * 10) / 10;
      return {
        high: r(policy.target * (1 + policy.tolerance)),
        low: r(policy.target * (1 - policy.tolerance)),
        target: policy.target,
      };
    }
  }
}
