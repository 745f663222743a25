/**
 * The words the dashboard uses for an autoscaling policy's core, shared by the overview tiles and
 * the policy summary: `up > 60 % · down < 20 %` (threshold), `target 50 % ± 10 %` (target on CPU
 * alone) or `cpu 60 % · rps 50 req/s ± 10 %` (several metrics), `concurrency 10 / server · panic
 * 200 % over 6 s` (KPA).
 */
import type { Policy, TargetMetric } from '../../server/shared/types.ts';

const UNITS: Record<TargetMetric['name'], string> = {
  cpu: ' %',
  memory: ' MB',
  rps: ' req/s',
  concurrency: ' in flight',
  'p95-latency': ' ms',
};

/** A duration as seconds: `6 s`, `1.5 s`. */
export const seconds = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;

/** The policy's core line without its replica bounds. */
export function policyCore(p: Policy): string {
  switch (p.kind) {
    case 'threshold':
      return `up > ${p.highCpu} % · down < ${p.lowCpu} %`;
    case 'target': {
      const tol = `± ${Math.round(p.tolerance * 100)} %`;
      const [only] = p.metrics;
      if (p.metrics.length === 1 && only?.name === 'cpu') return `target ${only.target} % ${tol}`;
      return `${p.metrics.map((m) => `${m.name} ${m.target}${UNITS[m.name]}`).join(' · ')} ${tol}`;
    }
    case 'concurrency':
      return `concurrency ${p.targetConcurrency} / server · panic ${Math.round(p.panicThreshold * 100)} % over ${seconds(p.panicWindowMs)} · stable ${seconds(p.stableWindowMs)}`;
  }
}
