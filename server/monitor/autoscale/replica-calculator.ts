/**
 * Step (1) of target tracking, Kubernetes' replica calculator (`replica_calculator.go`) as a pure
 * function: the zone's servers with their mean CPU over the window, the target utilization, the
 * tolerance and `now` in; the raw replica recommendation out. desired = ceil(ratio × counted
 * servers) where ratio = average / target, nothing when |ratio − 1| ≤ tolerance; servers still in
 * their initialization window and servers without samples are set aside, then counted at 0 %
 * (scale-up) or at the target (scale-down), and if that flips the direction or lands inside the
 * tolerance the zone keeps its size. Stabilization, step limits and bounds follow in `target-policy.ts`.
 */
import type { TargetPolicy } from '../../shared/types.ts';

/** A registered server as the policy sees it: `createdAt` epoch ms, `cpu` its mean % over the window or null. */
export interface ServerSample {
  id: string;
  createdAt: number;
  cpu: number | null;
}

/** Reason codes of a recommendation (the HPA's condition reasons where one exists). */
export type RecommendReason =
  | 'AboveTarget'
  | 'BelowTarget'
  | 'DesiredWithinTolerance'
  | 'MissingMetricsHold'
  | 'NoSamples';

const pct = (x: number) => `${x.toFixed(1)} %`;

/** Whether `ratio` is inside the dead-band (with a little slack for float error: 55/50 is 1.1000000000000001). */
const withinTolerance = (ratio: number, tolerance: number) => Math.abs(ratio - 1) <= tolerance + 1e-9;

/**
 * Step (1), the replica calculator: the raw recommendation for `current` replicas, or null with
 * `NoSamples` when no counted server has samples. Returns `current` when within tolerance or when
 * the missing/unready adjustment would reverse the direction.
 */
export function recommend(
  current: number,
  servers: readonly ServerSample[],
  policy: Pick<TargetPolicy, 'target' | 'tolerance' | 'initializationMs'>,
  now: number,
): { replicas: number | null; reason: RecommendReason; message: string } {
  const { target, tolerance } = policy;
  const unready = servers.filter((s) => now - s.createdAt < policy.initializationMs);
  const counted = servers.filter((s) => now - s.createdAt >= policy.initializationMs);
  const ready = counted.filter((s): s is ServerSample & { cpu: number } => s.cpu !== null);
  const missing = counted.filter((s) => s.cpu === null);
  if (ready.length === 0)
    return { replicas: null, reason: 'NoSamples', message: 'no ready server has CPU samples in the window' };
  const avg = ready.reduce((a, s) => a + s.cpu, 0) / ready.length;
  const ratio = avg / target;
  const detail = `average CPU ${pct(avg)} over ${ready.length} ready servers, target ${target} %`;
  const scaleUpWithUnready = unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing.length === 0) {
    if (withinTolerance(ratio, tolerance))
      return {
        replicas: current,
        reason: 'DesiredWithinTolerance',
        message: `${detail}: ratio ${ratio.toFixed(2)} within the tolerance ${tolerance}`,
      };
    const replicas = Math.ceil(ratio * ready.length);
    return {
      replicas,
      reason: ratio > 1 ? 'AboveTarget' : 'BelowTarget',
      message: `${detail}: ${replicas} wanted`,
    };
  }
  // Missing servers count as 0 % when scaling up, as the target when scaling down; unready as 0 % on scale-up.
  const values = ready.map((s) => s.cpu);
  if (ratio < 1) for (const _ of missing) values.push(target);
  else if (ratio > 1) for (const _ of missing) values.push(0);
  if (scaleUpWithUnready) for (const _ of unready) values.push(0);
  const newRatio = values.reduce((a, v) => a + v, 0) / values.length / target;
  const adjusted = `${detail}; counting ${missing.length} without samples and ${scaleUpWithUnready ? unready.length : 0} starting, ratio ${newRatio.toFixed(2)}`;
  if (withinTolerance(newRatio, tolerance) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1))
    return {
      replicas: current,
      reason: 'MissingMetricsHold',
      message: `${adjusted}: within the tolerance or the direction would reverse, keeping ${current}`,
    };
  const replicas = Math.ceil(newRatio * values.length);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current))
    return { replicas: current, reason: 'MissingMetricsHold', message: `${adjusted}: keeping ${current}` };
  return {
    replicas,
    reason: newRatio > 1 ? 'AboveTarget' : 'BelowTarget',
    message: `${adjusted}: ${replicas} wanted`,
  };
}
