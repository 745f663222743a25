/**
 * The source design's threshold autoscaling rule as a pure function: a zone's state (replicas,
 * average CPU over the window, when the leader last acted, the hysteresis history) and `now` in, the
 * desired replica count, a reason and the next history out, in the style of Kubernetes' HPA (every
 * decision carries a reason code and a human message with the numbers; a scale-down waits for a
 * stabilization window, a scale-up for N evaluations above). Defaults (`server/config/`) 60 % / 20 %
 * and 1..5 replicas: the High scenario settles at 70-75 % (above 60 %), the Low scenario at 1-10 %
 * (below 20 %), so each button moves the zone.
 */
import type { ThresholdPolicy, ZoneId } from '../../shared/types.ts';
import { replicaCount, type ScaleDecision } from './scale-decision.ts';

/**
 * The threshold rule's memory between evaluations (its hysteresis): since when (epoch ms) the
 * zone's average has stayed below `lowCpu`, and for how many consecutive evaluations it has been
 * above `highCpu`. `emptyThresholdHistory()` at start.
 */
export interface ThresholdHistory {
  belowSince: number | null;
  abovePeriods: number;
}

/** The history of a zone no evaluation has seen yet. */
export function emptyThresholdHistory(): ThresholdHistory {
  return { belowSince: null, abovePeriods: 0 };
}

/**
 * What the policy sees of a zone. `avgCpu` is % (null when no samples); `lastActionAt` epoch ms or
 * null; `history` what the previous evaluation returned (default: empty).
 */
export interface ZoneScaleState {
  zone: ZoneId;
  replicas: number;
  avgCpu: number | null;
  lastActionAt: number | null;
  history?: ThresholdHistory;
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
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'BelowMinReplicas'
  | 'AboveMaxReplicas';

/**
 * A threshold decision: `desired` replicas (equal to the current count when nothing should
 * change), and the `history` to hand to the next evaluation of the zone.
 */
export interface ThresholdDecision extends ScaleDecision<ScaleReason> {
  history: ThresholdHistory;
}

const pct = (x: number) => `${x.toFixed(1)} %`;

/**
 * Decides one zone at `now` (epoch ms). Order: below `minReplicas` -> up to min
 * (`BelowMinReplicas`, ignores cooldown); above `maxReplicas` -> -1 (`AboveMaxReplicas`); no
 * samples -> `NoSamples`; within `windowMs` after the last action -> `CoolingDown` (so the next
 * decision only averages samples taken after it); above `highCpu` -> +1 once it has been above for
 * `scaleUpPeriods` consecutive evaluations (`ScaleUpStabilized` until then), unless at max
 * (`AtMaxReplicas`); below `lowCpu` -> -1 once every evaluation for `scaleDownStabilizationMs` has
 * been below (`ScaleDownStabilized` until then), unless at min (`AtMinReplicas`); else
 * `WithinThresholds`. Thresholds are strict. The hysteresis is the HPA's: one noisy evaluation
 * below the band (a burst of CPU contention starving the High server) does not remove a server.
 * Any evaluation inside the band or without samples clears the history; a cooldown leaves it as it
 * was (its averages mix samples from before the action), so a zone that stays low keeps shrinking
 * one server a window without waiting a whole stabilization window again.
 */
export function decide(z: ZoneScaleState, policy: ThresholdPolicy, now: number): ThresholdDecision {
  const n = z.replicas;
  const was = z.history ?? emptyThresholdHistory();
  const cleared = emptyThresholdHistory();
  const out = (
    desired: number,
    reason: ScaleReason,
    message: string,
    history = cleared,
  ): ThresholdDecision => ({
    desired,
    reason,
    message,
    history,
  });
  if (n < policy.minReplicas) {
    return out(
      policy.minReplicas,
      'BelowMinReplicas',
      `${z.zone} has ${replicaCount(n)}, below the minimum ${policy.minReplicas}: ${n} -> ${policy.minReplicas} replicas`,
    );
  }
  if (n > policy.maxReplicas) {
    return out(
      n - 1,
      'AboveMaxReplicas',
      `${z.zone} has ${replicaCount(n)}, above the maximum ${policy.maxReplicas}: ${n} -> ${n - 1} replicas`,
    );
  }
  if (z.avgCpu === null)
    return out(n, 'NoSamples', `${z.zone} has no CPU samples in the last ${policy.windowMs} ms`);
  const cpu = z.avgCpu;
  if (z.lastActionAt !== null && now - z.lastActionAt < policy.windowMs) {
    return out(
      n,
      'CoolingDown',
      `${z.zone} average CPU ${pct(cpu)}: waiting ${policy.windowMs - (now - z.lastActionAt)} ms more after the last action`,
      was,
    );
  }
  if (cpu > policy.highCpu) return above(z.zone, n, cpu, policy, was.abovePeriods + 1, out);
  if (cpu < policy.lowCpu) return below(z.zone, n, cpu, policy, was.belowSince ?? now, now, out);
  return out(
    n,
    'WithinThresholds',
    `${z.zone} average CPU ${pct(cpu)} is within ${policy.lowCpu}-${policy.highCpu} %`,
  );
}

type Out = (
  desired: number,
  reason: ScaleReason,
  message: string,
  history?: ThresholdHistory,
) => ThresholdDecision;

/** The zone is above `highCpu` for the `periods`-th evaluation in a row. */
function above(zone: ZoneId, n: number, cpu: number, policy: ThresholdPolicy, periods: number, out: Out) {
  const history = { belowSince: null, abovePeriods: periods };
  if (n >= policy.maxReplicas)
    return out(
      n,
      'AtMaxReplicas',
      `${zone} average CPU ${pct(cpu)} > ${policy.highCpu} % but already at the maximum ${replicaCount(policy.maxReplicas)}`,
      history,
    );
  if (periods < policy.scaleUpPeriods)
    return out(
      n,
      'ScaleUpStabilized',
      `${zone} average CPU ${pct(cpu)} > ${policy.highCpu} % for ${periods} of the ${policy.scaleUpPeriods} evaluations in a row a scale-up needs: keeping ${replicaCount(n)}`,
      history,
    );
  // The next server must again be earned by `scaleUpPeriods` evaluations above.
  return out(
    n + 1,
    'AboveHighThreshold',
    `${zone} average CPU ${pct(cpu)} > ${policy.highCpu} %: ${n} -> ${n + 1} replicas`,
  );
}

/** The zone is below `lowCpu`, and has been at every evaluation since `since` (epoch ms). */
function below(
  zone: ZoneId,
  n: number,
  cpu: number,
  policy: ThresholdPolicy,
  since: number,
  now: number,
  out: Out,
) {
  const history = { belowSince: since, abovePeriods: 0 };
  if (n <= policy.minReplicas)
    return out(
      n,
      'AtMinReplicas',
      `${zone} average CPU ${pct(cpu)} < ${policy.lowCpu} % but already at the minimum ${replicaCount(policy.minReplicas)}`,
      history,
    );
  const held = now - since;
  if (held < policy.scaleDownStabilizationMs)
    return out(
      n,
      'ScaleDownStabilized',
      `${zone} average CPU ${pct(cpu)} < ${policy.lowCpu} % for ${held} ms of the ${policy.scaleDownStabilizationMs} ms scale-down stabilization window: keeping ${replicaCount(n)}`,
      history,
    );
  return out(
    n - 1,
    'BelowLowThreshold',
    `${zone} average CPU ${pct(cpu)} < ${policy.lowCpu} %: ${n} -> ${n - 1} replicas`,
    history,
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
