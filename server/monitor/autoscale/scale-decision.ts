/**
 * The one shape every autoscaling policy decides in, as Kubernetes' HPA records a recommendation
 * with a condition reason: the desired replica count of a zone, a reason code and a human message
 * with the numbers. The threshold and target policies return it (the target policy adds its
 * history), the zone autoscaler keeps the latest per zone, and the leader converges to it.
 */

/** A decision: `desired` replicas (the current count when nothing should change), why, and the numbers. */
export interface ScaleDecision<Reason extends string = string> {
  desired: number;
  reason: Reason;
  message: string;
}

/** Reasons of decisions that changed nothing but are worth a `decision` event when a zone enters them. */
export const NOTABLE_HOLDS: ReadonlySet<string> = new Set([
  'ScaleUpStabilized',
  'ScaleDownStabilized',
  'ScaleUpLimit',
  'ScaleDownLimit',
  'AtMaxReplicas',
  'AtMinReplicas',
  'MissingMetricsHold',
  'DesiredWithinTolerance',
  'WithinThresholds',
  'PanicHold',
  'PanicEnded',
  'ScaleToZeroGrace',
]);

/** A replica count as a decision's message says it: `1 replica`, `0 replicas`, `3 replicas`. */
export function replicaCount(n: number): string {
  return n === 1 ? '1 replica' : `${n} replicas`;
}
