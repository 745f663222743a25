/**
 * The source design's threshold autoscaling rule as a pure function: a zone's state (replicas,
 * average CPU over the window, when the leader last acted) and `now` in, the desired replica count
 * and a reason out, in the style of Kubernetes' HPA (every decision carries a reason code and a
 * human message with the numbers). Defaults 60 % / 20 % and 1..5 replicas: the High scenario settles
 * at 70-75 % (above 60 %), the Low scenario at 1-10 % (below 20 %), so each button moves the zone.
 */
import type { ThresholdPolicy, ZoneId } from '../../shared/types.ts';
import type { ScaleDecision } from './scale-decision.ts';

/** What the policy sees of a zone. `avgCpu` is % (null when no samples); `lastActionAt` epoch ms or null. */
export interface ZoneScaleState {
  zone: ZoneId;
  replicas: number;
  avgCpu: number | null;
  lastActionAt: number | null;
}

/** Reason codes a threshold decision carries. */
export type ScaleReason =
  | 'AboveHighThreshold'
  | 'BelowLowThreshold'
  | 'WithinThresholds'
  | 'AtMaxReplicas'
  | 'AtMinReplicas'
  | 'NoSamples'
  | 'CoolingDown'
  | 'BelowMinReplicas'
  | 'AboveMaxReplicas';

/** A threshold decision: `desired` replicas (equal to the current count when nothing should change). */
export type ThresholdDecision = ScaleDecision<ScaleReason>;

/** The default policy (source design: 10 s period; 60 % / 20 %; 1..5 replicas). */
export const DEFAULT_THRESHOLD_POLICY: ThresholdPolicy = {
  kind: 'threshold',
  highCpu: 60,
  lowCpu: 20,
  minReplicas: 1,
  maxReplicas: 5,
  periodMs: 10_000,
  windowMs: 10_000,
};

const pct = (x: number) => `${x.toFixed(1)} %`;

/**
 * Decides one zone at `now` (epoch ms). Order: below `minReplicas` -> up to min
 * (`BelowMinReplicas`, ignores cooldown); above `maxReplicas` -> -1 (`AboveMaxReplicas`); no samples -> `NoSamples`; within `windowMs` after the last
 * action -> `CoolingDown` (so the next decision only averages samples taken after it); above
 * `highCpu` -> +1 unless at max (`AboveHighThreshold` / `AtMaxReplicas`); below `lowCpu` -> -1 unless
 * at min (`BelowLowThreshold` / `AtMinReplicas`); else `WithinThresholds`. Thresholds are strict.
 */
export function decide(z: ZoneScaleState, policy: ThresholdPolicy, now: number): ThresholdDecision {
  const n = z.replicas;
  const keep = (reason: ScaleReason, message: string): ThresholdDecision => ({ desired: n, reason, message });
  if (n < policy.minReplicas) {
    return {
      desired: policy.minReplicas,
      reason: 'BelowMinReplicas',
      message: `${z.zone} has ${n} replicas, below the minimum ${policy.minReplicas}: ${n} -> ${policy.minReplicas} replicas`,
    };
  }
  if (n > policy.maxReplicas) {
    return {
      desired: n - 1,
      reason: 'AboveMaxReplicas',
      message: `${z.zone} has ${n} replicas, above the maximum ${policy.maxReplicas}: ${n} -> ${n - 1} replicas`,
    };
  }
  if (z.avgCpu === null)
    return keep('NoSamples', `${z.zone} has no CPU samples in the last ${policy.windowMs} ms`);
  const cpu = z.avgCpu;
  if (z.lastActionAt !== null && now - z.lastActionAt < policy.windowMs) {
    return keep(
      'CoolingDown',
      `${z.zone} average CPU ${pct(cpu)}: waiting ${policy.windowMs - (now - z.lastActionAt)} ms more after the last action`,
    );
  }
  if (cpu > policy.highCpu) {
    if (n >= policy.maxReplicas)
      return keep(
        'AtMaxReplicas',
        `${z.zone} average CPU ${pct(cpu)} > ${policy.highCpu} % but already at the maximum ${policy.maxReplicas} replicas`,
      );
    return {
      desired: n + 1,
      reason: 'AboveHighThreshold',
      message: `${z.zone} average CPU ${pct(cpu)} > ${policy.highCpu} %: ${n} -> ${n + 1} replicas`,
    };
  }
  if (cpu < policy.lowCpu) {
    if (n <= policy.minReplicas)
      return keep(
        'AtMinReplicas',
        `${z.zone} average CPU ${pct(cpu)} < ${policy.lowCpu} % but already at the minimum ${policy.minReplicas} replicas`,
      );
    return {
      desired: n - 1,
      reason: 'BelowLowThreshold',
      message: `${z.zone} average CPU ${pct(cpu)} < ${policy.lowCpu} %: ${n} -> ${n - 1} replicas`,
    };
  }
  return keep(
    'WithinThresholds',
    `${z.zone} average CPU ${pct(cpu)} is within ${policy.lowCpu}-${policy.highCpu} %`,
  );
}

/**
 * A zone's average CPU % counting only the servers in `ids` (the registry's app servers): the mean
 * of each server's mean in `perServer`; null when none of them has samples. Samples of servers the
 * registry no longer holds (just removed, or strays) must not steer the decision.
 */
export function registeredAverage(
  perServer: Record<string, number>,
  ids: ReadonlySet<string>,
): number | null {
  const means = Object.entries(perServer)
    .filter(([id]) => ids.has(id))
    .map(([, v]) => v);
  return means.length === 0 ? null : means.reduce((a, b) => a + b, 0) / means.length;
}
