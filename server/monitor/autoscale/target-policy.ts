/**
 * Target-tracking autoscaling as Kubernetes' HPA v2 does it (pkg/controller/podautoscaler:
 * `replica_calculator.go` and `horizontal.go`), as pure functions: a zone's servers with their mean
 * of each metric over the window, the zone's scaling history, the policy and `now` in; a decision
 * with a reason, the metric that drove it and the next history out. Steps: (1) per metric
 * desired = ceil(ratio × counted servers) where ratio = average / target, nothing when
 * |ratio − 1| ≤ tolerance, and the zone's recommendation is the largest over the metrics (HPA:
 * "the largest recommendation is chosen"; when some metric has no samples a scale-down is not
 * taken, a scale-up still is, as `computeReplicasForMetrics` does); servers still in their
 * initialization window and servers without samples are set aside, then counted at 0 % (scale-up)
 * or at the target (scale-down), and if that flips the direction or lands inside the tolerance the
 * zone keeps its size; (2) stabilization: the lowest recommendation of the scale-up window and the
 * highest of the scale-down window bound the change; (3) step limits per period (Pods or Percent,
 * combined by `selectPolicy`) and min/max replicas; (4) a cooldown after each action. Unlike the
 * HPA's helpers, nothing here reads the clock. Step (1) is `replica-calculator.ts`.
 */
import type { ScalingRules, TargetMetricName, TargetPolicy, ZoneId } from '../../shared/types.ts';
import {
  type Recommendation,
  type RecommendReason,
  recommend,
  type ServerSample,
} from './replica-calculator.ts';
import { replicaCount, type ScaleDecision } from './scale-decision.ts';

/** What the policy remembers of a zone between periods (epoch ms timestamps). */
export interface ScaleHistory {
  /** Raw recommendations, oldest first (for the stabilization windows). */
  recommendations: { ts: number; replicas: number }[];
  /** Scaling actions taken: +n added, −n removed (for the step limits). */
  actions: { ts: number; delta: number }[];
  lastActionAt: number | null;
}

/** An empty history. */
export const emptyHistory = (): ScaleHistory => ({ recommendations: [], actions: [], lastActionAt: null });

/** Reason codes of a target-tracking decision (the HPA's condition reasons where one exists). */
export type TargetReason =
  | RecommendReason
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit'
  | 'AtMaxReplicas'
  | 'AtMinReplicas'
  | 'BelowMinReplicas'
  | 'AboveMaxReplicas'
  | 'CoolingDown';

/** A decision (`desired` replicas, why, the numbers) with what target tracking keeps between periods. */
export interface TargetDecision extends ScaleDecision<TargetReason> {
  /** The raw recommendation of step (1), before stabilization and limits (null without samples). */
  recommendation: number | null;
  /** The history to keep for the next period (this recommendation added, old entries dropped). */
  history: ScaleHistory;
  /** The metric whose recommendation drove the decision (absent before any metric was asked). */
  metric?: TargetMetricName;
}

/**
 * Step (1) over every metric of the policy (HPA v2 `computeReplicasForMetrics`): the largest
 * recommendation (first listed on a tie), or `NoSamples` when no metric has samples, or
 * `MissingMetricsHold` at `current` when some metric has none and the others would scale down.
 * The message names the driving metric and, with several, every metric's proposal.
 */
export function recommendAll(
  current: number,
  servers: readonly ServerSample[],
  policy: Pick<TargetPolicy, 'metrics' | 'tolerance' | 'initializationMs'>,
  now: number,
): Recommendation {
  const recs = policy.metrics.map((m) => recommend(current, servers, m, policy, now));
  const valid = recs.filter((r): r is Recommendation & { replicas: number } => r.replicas !== null);
  if (valid.length === 0) return recs[0]!;
  const best = valid.reduce((a, r) => (r.replicas > a.replicas ? r : a));
  if (recs.length === 1) return best;
  const all = recs.map((r) => `${r.metric} ${r.replicas ?? 'no samples'}`).join(', ');
  const missing = recs.filter((r) => r.replicas === null).map((r) => r.metric);
  if (missing.length > 0 && best.replicas < current)
    return {
      metric: best.metric,
      replicas: current,
      reason: 'MissingMetricsHold',
      message: `${best.message}; no samples of ${missing.join(', ')}, so no scale-down: keeping ${current} (proposals: ${all})`,
    };
  return { ...best, message: `${best.metric} drives: ${best.message} (largest of ${all})` };
}

/** Net replicas added (`sign` +1) or removed (−1) by `actions` within `periodMs` before `now`. */
function changedInPeriod(
  actions: ScaleHistory['actions'],
  periodMs: number,
  now: number,
  sign: 1 | -1,
): number {
  return actions
    .filter((a) => a.ts > now - periodMs && Math.sign(a.delta) === sign)
    .reduce((n, a) => n + Math.abs(a.delta), 0);
}

/**
 * Step (3a), the HPA's rate limit: the most replicas a scale-up may reach (`dir` +1) or the fewest
 * a scale-down may reach (−1) from `current`, given the actions of each policy's period.
 * `Max` picks the most permissive policy, `Min` the most restrictive, `Disabled` forbids the
 * direction; no policies means no limit.
 */
export function stepLimit(
  current: number,
  rules: ScalingRules,
  actions: ScaleHistory['actions'],
  dir: 1 | -1,
  now: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  if (rules.policies.length === 0) return dir > 0 ? Number.POSITIVE_INFINITY : 0;
  const proposals = rules.policies.map((p) => {
    const changed = changedInPeriod(actions, p.periodMs, now, dir);
    const start = current - dir * changed;
    if (dir > 0) return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    return p.type === 'Pods' ? start - p.value : Math.floor(start * (1 - p.value / 100));
  });
  const permissive = rules.selectPolicy === 'Max';
  const pick = dir > 0 === permissive ? Math.max : Math.min;
  const limit = pick(...proposals);
  return dir > 0 ? Math.max(limit, current) : Math.min(limit, current);
}

/** Zone input of `decideTarget`. `replicas` is the registry's count of app servers. */
export interface TargetZoneState {
  zone: ZoneId;
  replicas: number;
  servers: readonly ServerSample[];
  history: ScaleHistory;
}

/** Decides one zone at `now` (epoch ms) with target tracking; see the module comment for the steps. */
export function decideTarget(z: TargetZoneState, policy: TargetPolicy, now: number): TargetDecision {
  const n = z.replicas;
  const keepFor = Math.max(policy.scaleUp.stabilizationWindowMs, policy.scaleDown.stabilizationWindowMs);
  const periodFor = Math.max(
    0,
    ...[...policy.scaleUp.policies, ...policy.scaleDown.policies].map((p) => p.periodMs),
  );
  const pruned: ScaleHistory = {
    recommendations: z.history.recommendations.filter((r) => r.ts > now - keepFor),
    actions: z.history.actions.filter((a) => a.ts > now - periodFor),
    lastActionAt: z.history.lastActionAt,
  };
  const out = (
    desired: number,
    reason: TargetReason,
    message: string,
    recommendation: number | null,
    history = pruned,
    metric?: TargetMetricName,
  ): TargetDecision => ({
    desired,
    reason,
    message: `${z.zone}: ${message}`,
    recommendation,
    history,
    ...(metric ? { metric } : {}),
  });

  if (n < policy.minReplicas)
    return out(
      policy.minReplicas,
      'BelowMinReplicas',
      `${replicaCount(n)}, below the minimum ${policy.minReplicas}: ${n} -> ${policy.minReplicas}`,
      null,
    );
  if (n > policy.maxReplicas)
    return out(
      policy.maxReplicas,
      'AboveMaxReplicas',
      `${replicaCount(n)}, above the maximum ${policy.maxReplicas}: ${n} -> ${policy.maxReplicas}`,
      null,
    );

  const rec = recommendAll(n, z.servers, policy, now);
  if (rec.replicas === null) return out(n, 'NoSamples', rec.message, null);
  const raw = rec.replicas;
  const history: ScaleHistory = {
    ...pruned,
    recommendations: [...pruned.recommendations, { ts: now, replicas: raw }],
  };
  const decided = (d: number, r: TargetReason, msg: string) => out(d, r, msg, raw, history, rec.metric);

  // (2) Stabilization: scale up to at most the lowest recommendation of the up window, down to at least the highest of the down window.
  const inWindow = (ms: number) => history.recommendations.filter((r) => r.ts > now - ms || r.ts === now);
  const upBound = Math.min(...inWindow(policy.scaleUp.stabilizationWindowMs).map((r) => r.replicas));
  const downBound = Math.max(...inWindow(policy.scaleDown.stabilizationWindowMs).map((r) => r.replicas));
  let desired = n;
  if (desired < upBound) desired = upBound;
  if (desired > downBound) desired = downBound;
  let reason: TargetReason = rec.reason;
  let message = rec.message;
  if (desired !== raw) {
    reason = raw > desired ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
    message = `${rec.message}; ${raw > desired ? 'lower' : 'higher'} recommendations in the last ${
      raw > desired ? policy.scaleUp.stabilizationWindowMs : policy.scaleDown.stabilizationWindowMs
    } ms: ${desired}`;
  }
  if (desired === n) {
    if (reason === 'AboveTarget' || reason === 'BelowTarget') reason = 'DesiredWithinTolerance';
    return decided(n, reason, `${message}; keeping ${n}`);
  }

  // (3) Step limits and bounds.
  if (desired > n) {
    const limit = stepLimit(n, policy.scaleUp, history.actions, 1, now);
    if (limit < policy.maxReplicas && desired > limit) {
      desired = limit;
      reason = 'ScaleUpLimit';
      message = `${message}; scale-up limited to ${limit} this period`;
    } else if (desired > policy.maxReplicas) {
      desired = policy.maxReplicas;
      reason = 'AtMaxReplicas';
      message = `${message}; capped at the maximum ${policy.maxReplicas}`;
    }
  } else {
    const limit = stepLimit(n, policy.scaleDown, history.actions, -1, now);
    if (limit > policy.minReplicas && desired < limit) {
      desired = limit;
      reason = 'ScaleDownLimit';
      message = `${message}; scale-down limited to ${limit} this period`;
    } else if (desired < policy.minReplicas) {
      desired = policy.minReplicas;
      reason = 'AtMinReplicas';
      message = `${message}; floored at the minimum ${policy.minReplicas}`;
    }
  }
  if (desired === n) return decided(n, reason, `${message}; keeping ${n}`);

  // (4) Cooldown after the last action.
  if (history.lastActionAt !== null && now - history.lastActionAt < policy.cooldownMs)
    return decided(
      n,
      'CoolingDown',
      `${message}; ${n} -> ${desired} waits ${policy.cooldownMs - (now - history.lastActionAt)} ms more after the last action`,
    );
  return decided(desired, reason, `${message}; ${n} -> ${desired} replicas`);
}

/** The history after acting at `ts`: `delta` replicas added (+) or removed (−). */
export function recordAction(h: ScaleHistory, ts: number, delta: number): ScaleHistory {
  return { ...h, actions: [...h.actions, { ts, delta }], lastActionAt: ts };
}
