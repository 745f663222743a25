/**
 * Where the CPU chart, the zone gauges and the server rows draw their reference lines for either
 * autoscaling policy: the threshold policy's `highCpu` / `lowCpu`, or for target tracking on CPU the
 * target and the edges of its tolerance band (target × (1 ± tolerance)), outside which the HPA acts.
 * Target tracking without a CPU metric and the concurrency policy draw no CPU line (all null).
 */
import type { Policy } from '../../server/shared/types.ts';

/** Reference lines, CPU %: scale-up edge, scale-down edge, and the target (null when the policy has none). */
export interface PolicyLines {
  high: number | null;
  low: number | null;
  target: number | null;
}

/** The lines of `policy`. */
export function policyLines(policy: Policy): PolicyLines {
  switch (policy.kind) {
    case 'threshold':
      return { high: policy.highCpu, low: policy.lowCpu, target: null };
    case 'target': {
      const r = (x: number) => Math.round(x * 10) / 10;
      const cpu = policy.metrics.find((m) => m.name === 'cpu');
      if (!cpu) return { high: null, low: null, target: null };
      return {
        high: r(cpu.target * (1 + policy.tolerance)),
        low: r(cpu.target * (1 - policy.tolerance)),
        target: cpu.target,
      };
    }
    case 'concurrency':
      return { high: null, low: null, target: null };
  }
}
