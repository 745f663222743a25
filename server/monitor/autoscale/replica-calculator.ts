/**
 * Step (1) of target tracking, Kubernetes' replica calculator (`replica_calculator.go`) as a pure
 * function, for one metric: the zone's servers with their mean value of that metric over the
 * window, the metric's target, the tolerance and `now` in; the raw replica recommendation out.
 * desired = ceil(ratio × counted servers) where ratio = average / target (for `p95-latency`:
 * p95 / SLO), nothing when |ratio − 1| ≤ tolerance; servers still in their initialization window
 * and servers without samples are set aside, then counted at 0 (scale-up) or at the target
 * (scale-down), and if that flips the direction or lands inside the tolerance the zone keeps its
 * size. Decision (ours, the HPA applies it to CPU only): the initialization window sets aside new
 * servers for every metric, since a server that just started has no meaningful rate or latency yet.
 * Several metrics, stabilization, step limits and bounds follow in `target-policy.ts`.
 */
import type { TargetMetric, TargetMetricName, TargetPolicy } from '../../shared/types.ts';

/**
 * A registered server as the policy sees it: `createdAt` epoch ms and each metric's mean over the
 * window or null (no sample carried it): `cpu` %, `memoryMb` MB, `rps` req/s, `concurrency`
 * in-flight requests, `p95Ms` ms. Absent fields count as null.
 */
export interface ServerSample {
  id: string;
  createdAt: number;
  cpu: number | null;
  memoryMb?: number | null;
  rps?: number | null;
  concurrency?: number | null;
  p95Ms?: number | null;
}

/** Reason codes of a recommendation (the HPA's condition reasons where one exists). */
export type RecommendReason =
  | 'AboveTarget'
  | 'BelowTarget'
  | 'DesiredWithinTolerance'
  | 'MissingMetricsHold'
  | 'NoSamples';

/** A recommendation of one metric: `replicas` null with `NoSamples` when no counted server has samples. */
export interface Recommendation {
  metric: TargetMetricName;
  replicas: number | null;
  reason: RecommendReason;
  message: string;
}

/** How each metric reads from a server, and how its figures print. */
const METRICS: Record<
  TargetMetricName,
  { label: string; unit: string; of: (s: ServerSample) => number | null }
> = {
  cpu: { label: 'average CPU', unit: ' %', of: (s) => s.cpu },
  memory: { label: 'average memory', unit: ' MB', of: (s) => s.memoryMb ?? null },
  rps: { label: 'average rps', unit: ' req/s', of: (s) => s.rps ?? null },
  concurrency: { label: 'average concurrency', unit: ' in flight', of: (s) => s.concurrency ?? null },
  'p95-latency': { label: 'average p95 latency', unit: ' ms', of: (s) => s.p95Ms ?? null },
};

/** The value of `metric` on server `s` (null when no sample carried it). */
export const metricValue = (metric: TargetMetricName, s: ServerSample): number | null =>
  METRICS[metric].of(s);

/** Whether `ratio` is inside the dead-band (with a little slack for float error: 55/50 is 1.1000000000000001). */
const withinTolerance = (ratio: number, tolerance: number) => Math.abs(ratio - 1) <= tolerance + 1e-9;

/**
 * Step (1), the replica calculator for `metric`: the raw recommendation for `current` replicas, or
 * null with `NoSamples` when no counted server has samples of it. Returns `current` when within
 * tolerance or when the missing/unready adjustment would reverse the direction.
 */
export function recommend(
  current: number,
  servers: readonly ServerSample[],
  metric: TargetMetric,
  policy: Pick<TargetPolicy, 'tolerance' | 'initializationMs'>,
  now: number,
): Recommendation {
  const { tolerance } = policy;
  const { target, name } = metric;
  const m = METRICS[name];
  const fmt = (x: number) => `${x.toFixed(1)}${m.unit}`;
  const out = (replicas: number | null, reason: RecommendReason, message: string): Recommendation => ({
    metric: name,
    replicas,
    reason,
    message,
  });
  const unready = servers.filter((s) => now - s.createdAt < policy.initializationMs);
  const counted = servers.filter((s) => now - s.createdAt >= policy.initializationMs);
  const values = counted.map((s) => m.of(s)).filter((v): v is number => v !== null);
  const missing = counted.length - values.length;
  const what = name === 'cpu' ? 'CPU' : name;
  if (values.length === 0) return out(null, 'NoSamples', `no ready server has ${what} samples in the window`);
  const avg = values.reduce((a, v) => a + v, 0) / values.length;
  const ratio = avg / target;
  const detail = `${m.label} ${fmt(avg)} over ${values.length} ready servers, target ${target}${m.unit}`;
  const scaleUpWithUnready = unready.length > 0 && ratio > 1;
  if (!scaleUpWithUnready && missing === 0) {
    if (withinTolerance(ratio, tolerance))
      return out(
        current,
        'DesiredWithinTolerance',
        `${detail}: ratio ${ratio.toFixed(2)} within the tolerance ${tolerance}`,
      );
    const replicas = Math.ceil(ratio * values.length);
    return out(replicas, ratio > 1 ? 'AboveTarget' : 'BelowTarget', `${detail}: ${replicas} wanted`);
  }
  // Missing servers count as 0 when scaling up, as the target when scaling down; unready as 0 on scale-up.
  const all = [...values];
  if (ratio < 1) for (let i = 0; i < missing; i++) all.push(target);
  else if (ratio > 1) for (let i = 0; i < missing; i++) all.push(0);
  if (scaleUpWithUnready) for (const _ of unready) all.push(0);
  const newRatio = all.reduce((a, v) => a + v, 0) / all.length / target;
  const adjusted = `${detail}; counting ${missing} without samples and ${scaleUpWithUnready ? unready.length : 0} starting, ratio ${newRatio.toFixed(2)}`;
  if (withinTolerance(newRatio, tolerance) || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1))
    return out(
      current,
      'MissingMetricsHold',
      `${adjusted}: within the tolerance or the direction would reverse, keeping ${current}`,
    );
  const replicas = Math.ceil(newRatio * all.length);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current))
    return out(current, 'MissingMetricsHold', `${adjusted}: keeping ${current}`);
  return out(replicas, newRatio > 1 ? 'AboveTarget' : 'BelowTarget', `${adjusted}: ${replicas} wanted`);
}
