/**
 * The monitor's autoscaling flags of the HPA v2 multi-metric target (`--metrics
 * cpu=60,rps=50,p95-latency=200`) and of the Knative-style `concurrency` policy
 * (`--target-concurrency 10`, the stable and panic windows, the panic threshold, the scale rates
 * and the scale-to-zero grace), with their defaults (Knative's) and the per-zone policy list
 * (`--zone-policies zone2=concurrency`). Spread into `MonitorConfig` by `monitor.ts`; mapped to
 * policies by `monitor/autoscale/policy-config.ts`.
 */
import { z } from 'zod';
import { TargetMetricName } from '../shared/policies.ts';
import type { TargetMetric } from '../shared/types.ts';
import { csv, ms } from './parse.ts';

/** The policy kinds a zone can run. */
export const POLICY_KINDS = ['threshold', 'target', 'concurrency'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** `cpu=60,rps=50,p95-latency=200` as target metrics (each named once, targets > 0); an issue per bad entry. */
const targetMetrics = () =>
  csv().transform((parts, ctx) => {
    const out: TargetMetric[] = [];
    for (const part of parts) {
      const m = /^([a-z0-9-]+)=(\d+(?:\.\d+)?)$/.exec(part);
      const name = TargetMetricName.safeParse(m?.[1]);
      if (!m || !name.success || Number(m[2]) <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}" is not metric=target with metric one of ${TargetMetricName.options.join(', ')} and a positive target (e.g. cpu=60)`,
        });
        return z.NEVER;
      }
      if (out.some((x) => x.name === name.data)) {
        ctx.addIssue({ code: 'custom', message: `names ${name.data} twice` });
        return z.NEVER;
      }
      out.push({ name: name.data, target: Number(m[2]) });
    }
    return out;
  });

/** `zone2=target,zone3=concurrency` as `[zone, kind]` pairs; an issue per bad entry. */
export const zonePolicies = () =>
  csv().transform((parts, ctx) => {
    const out: [string, PolicyKind][] = [];
    for (const part of parts) {
      const m = /^([a-z][a-z0-9-]*)=(threshold|target|concurrency)$/.exec(part);
      if (!m) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}" is not zone=threshold, zone=target or zone=concurrency`,
        });
        return z.NEVER;
      }
      out.push([m[1]!, m[2] as PolicyKind]);
    }
    return out;
  });

const ratio = (min: number, dflt: number) => z.coerce.number().gt(min).default(dflt);

/** The flags of the multi-metric target and the concurrency policy. */
export const autoscaleFlags = {
  metrics: targetMetrics()
    .prefault('')
    .describe(
      'Target tracking: metrics and targets per server, e.g. `cpu=60,rps=50,p95-latency=200` (cpu %, memory MB, rps req/s, concurrency in flight, p95-latency ms SLO); empty = `cpu=<--target-cpu>`. The largest recommendation wins.',
    ),
  targetConcurrency: z.coerce
    .number()
    .gt(0)
    .default(10)
    .describe('Concurrency policy: in-flight requests per server to keep (Knative target).'),
  stableWindowMs: ms().default(60_000).describe('Concurrency policy: stable window, ms (Knative: 60 s).'),
  panicWindowMs: ms().default(6_000).describe('Concurrency policy: panic window, ms (Knative: 6 s).'),
  panicThreshold: ratio(1, 2).describe(
    'Concurrency policy: panic when panic-window desired / ready servers reaches this ratio (Knative 200 % = 2).',
  ),
  maxScaleUpRate: ratio(1, 1000).describe(
    'Concurrency policy: at most ceil(rate x ready) servers after a scale-up (Knative: 1000).',
  ),
  maxScaleDownRate: ratio(1, 2).describe(
    'Concurrency policy: at least floor(ready / rate) servers after a scale-down (Knative: 2).',
  ),
  scaleToZeroGraceMs: z.coerce
    .number()
    .int()
    .min(0)
    .default(30_000)
    .describe(
      'Concurrency policy: with --min-replicas 0, the last server goes after this long without a request, ms (Knative: 30 s).',
    ),
};
