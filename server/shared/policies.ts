/**
 * The autoscaling policies as zod schemas with their TypeScript types (re-exported by `types.ts`):
 * the source design's `threshold` rule, HPA v2 `target` tracking over one or more metrics, and the
 * Knative KPA's `concurrency` policy, with the HPA's scaling rules they share. Units: durations ms,
 * CPU % of one core, memory MB, latency ms, request rates per second per server.
 */
import { z } from '@hono/zod-openapi';

/** The threshold policy of the source design: add above `highCpu`, remove below `lowCpu`. */
export const ThresholdPolicy = z
  .object({
    kind: z.literal('threshold'),
    /** % average zone CPU above which one server is added. */
    highCpu: z.number().min(0).max(100),
    /** % average zone CPU below which one server is removed (when more than `minReplicas`). */
    lowCpu: z.number().min(0).max(100),
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
    /** ms between two autoscaling evaluations. */
    periodMs: z.number().int().positive(),
    /** ms of samples averaged per evaluation. */
    windowMs: z.number().int().positive(),
    /** Hysteresis: a server is removed only once the average stayed below `lowCpu` this long, ms (HPA-style stabilization window). */
    scaleDownStabilizationMs: z.number().int().min(0),
    /** Hysteresis: a server is added only after this many consecutive evaluations above `highCpu`. */
    scaleUpPeriods: z.number().int().min(1),
  })
  .openapi('ThresholdPolicy');
export type ThresholdPolicy = z.infer<typeof ThresholdPolicy>;

/**
 * One step limit of the HPA's scaling behavior: at most `value` servers (`Pods`) or `value` % of
 * the replicas at the start of the period (`Percent`) added (or removed) within any `periodMs`.
 */
export const ScalingStep = z
  .object({
    type: z.enum(['Pods', 'Percent']),
    value: z.number().int().positive(),
    periodMs: z.number().int().positive(),
  })
  .openapi('ScalingStep');
export type ScalingStep = z.infer<typeof ScalingStep>;

/**
 * The HPA's behavior for one direction: the stabilization window (ms; the recommendation used is
 * the max (scale-down) or min (scale-up) of the window), the step limits, and how to combine them
 * (`Max` = the most permissive, the HPA default; `Min` = the most restrictive; `Disabled` = never).
 */
export const ScalingRules = z
  .object({
    stabilizationWindowMs: z.number().int().nonnegative(),
    selectPolicy: z.enum(['Max', 'Min', 'Disabled']),
    policies: z.array(ScalingStep),
  })
  .openapi('ScalingRules');
export type ScalingRules = z.infer<typeof ScalingRules>;

/**
 * The metrics target tracking can follow (HPA v2 `metrics[]`), each averaged per server over the
 * window: `cpu` (% of one core), `memory` (MB), `rps` (requests/s completed), `concurrency`
 * (in-flight requests) and `p95-latency` (ms, against an SLO: ratio = p95 / SLO).
 */
export const TargetMetricName = z
  .enum(['cpu', 'memory', 'rps', 'concurrency', 'p95-latency'])
  .openapi('TargetMetricName');
export type TargetMetricName = z.infer<typeof TargetMetricName>;

/** One metric of a target-tracking policy and its target per server (unit as in `TargetMetricName`). */
export const TargetMetric = z
  .object({ name: TargetMetricName, target: z.number().gt(0) })
  .openapi('TargetMetric');
export type TargetMetric = z.infer<typeof TargetMetric>;

/**
 * Target tracking as Kubernetes' HPA v2 does it: per metric desired = ceil(replicas × avg /
 * target), nothing when |avg / target − 1| ≤ `tolerance`; the zone's desired is the largest
 * recommendation over its `metrics`, stabilized and step-limited per direction.
 */
export const TargetPolicy = z
  .object({
    kind: z.literal('target'),
    /** The metrics followed, at least one (the old single CPU % target is `[{ name: 'cpu', target }]`). */
    metrics: z.array(TargetMetric).min(1),
    /** Dead-band around the target as a ratio (HPA default 0.1 = ±10 %). */
    tolerance: z.number().min(0).max(1),
    /** 0 = the zone may scale to zero (only when every metric is at 0, e.g. no requests). */
    minReplicas: z.number().int().min(0),
    maxReplicas: z.number().int().min(1),
    /** ms between two autoscaling evaluations (HPA sync period: 15 s). */
    periodMs: z.number().int().positive(),
    /** ms of samples averaged per evaluation. */
    windowMs: z.number().int().positive(),
    /** ms after a server started during which its samples are not counted (HPA CPU initialization period). */
    initializationMs: z.number().int().nonnegative(),
    /** ms after any scaling action before the next one. */
    cooldownMs: z.number().int().nonnegative(),
    scaleUp: ScalingRules,
    scaleDown: ScalingRules,
  })
  .openapi('TargetPolicy');
export type TargetPolicy = z.infer<typeof TargetPolicy>;

/**
 * Knative's pod autoscaler (KPA) on in-flight requests: desired = ceil(mean zone concurrency /
 * `targetConcurrency`) over the stable window, or over the panic window while panicking (entered
 * when the panic-window desired / ready servers ≥ `panicThreshold`), rate-limited, with scale to
 * zero after `scaleToZeroGraceMs` without traffic when `minReplicas` is 0.
 */
export const ConcurrencyPolicy = z
  .object({
    kind: z.literal('concurrency'),
    /** In-flight requests per server to keep (Knative `target`; e.g. 10). */
    targetConcurrency: z.number().gt(0),
    /** ms averaged in stable mode (Knative `stable-window`: 60 s). */
    stableWindowMs: z.number().int().positive(),
    /** ms averaged in panic mode (Knative: 10 % of the stable window = 6 s). */
    panicWindowMs: z.number().int().positive(),
    /** Panic when panic-window desired / ready ≥ this ratio (Knative `panic-threshold-percentage` 200 = 2.0). */
    panicThreshold: z.number().gt(1),
    /** At most ceil(rate × ready) servers after a scale-up (Knative `max-scale-up-rate`: 1000). */
    maxScaleUpRate: z.number().gt(1),
    /** At least floor(ready / rate) servers after a scale-down (Knative `max-scale-down-rate`: 2). */
    maxScaleDownRate: z.number().gt(1),
    /** ms without a request or activation before the last server may go (Knative `scale-to-zero-grace-period`: 30 s). */
    scaleToZeroGraceMs: z.number().int().nonnegative(),
    /** 0 = scale to zero allowed. */
    minReplicas: z.number().int().min(0),
    maxReplicas: z.number().int().min(1),
    /** ms between two autoscaling evaluations (Knative tick: 2 s). */
    periodMs: z.number().int().positive(),
    /** ms of samples the cluster view averages for the zone (the policy itself uses its windows). */
    windowMs: z.number().int().positive(),
  })
  .openapi('ConcurrencyPolicy');
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicy>;

/** An autoscaling policy: the source design's `threshold` rule, HPA-style `target` tracking or the KPA's `concurrency`. */
export const Policy = z
  .discriminatedUnion('kind', [ThresholdPolicy, TargetPolicy, ConcurrencyPolicy])
  .openapi('Policy');
export type Policy = z.infer<typeof Policy>;
