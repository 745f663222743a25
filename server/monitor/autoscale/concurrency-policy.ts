/**
 * Knative's pod autoscaler (KPA, knative/serving `pkg/autoscaler/scaling/autoscaler.go`) as a pure
 * function: a zone's per-second concurrency series (sum over its servers of the balancer's mean
 * in-flight requests), its ready servers, its `lastActiveAt`, the panic state kept from the last
 * tick, the policy and `now` in; a decision with a reason, the stable and panic figures and the
 * next panic state out. Steps: stable / panic concurrency = the series' mean over the stable /
 * panic window; desired = ceil(concurrency / target) per window, each kept within
 * [floor(ready / maxScaleDownRate), ceil(ready × maxScaleUpRate)] (ready counted as at least 1);
 * panic starts (or is extended) whenever panic desired / ready ≥ `panicThreshold`, and ends once
 * a whole stable window has passed since it was last extended; while panicking the larger of the
 * two desired counts is used and the zone never shrinks (`PanicHold`); then min/max replicas; the
 * last server goes (`ScaledToZero`) only when `minReplicas` is 0 and the zone has had no request
 * or activation for `scaleToZeroGraceMs`. Decisions (Knative is silent or differs): seconds absent
 * from the series are skipped, not counted as 0; an empty window gives `NoSamples` unless the zone
 * has been idle for a whole stable window, when it counts as 0 (so an idle zone can reach zero).
 */
import type { ConcurrencyPolicy, ZoneId } from '../../shared/types.ts';
import type { ScaleDecision } from './scale-decision.ts';

/** One second of a zone's concurrency: `ts` epoch ms of the bucket, `concurrency` summed in-flight requests. */
export interface ConcurrencyPoint {
  ts: number;
  concurrency: number;
}

/** What the KPA remembers between ticks: when panic began or was last extended, and the most servers wanted since. */
export interface PanicState {
  panicSince: number | null;
  maxPanicPods: number;
}

/** No panic. */
export const calmState = (): PanicState => ({ panicSince: null, maxPanicPods: 0 });

/** Reason codes of a concurrency decision. */
export type ConcurrencyReason =
  | 'ScaleUp'
  | 'ScaleDown'
  | 'DesiredReached'
  | 'PanicScaleUp'
  | 'PanicHold'
  | 'PanicEnded'
  | 'ScaledToZero'
  | 'ScaleToZeroGrace'
  | 'AtZero'
  | 'AtMaxReplicas'
  | 'AtMinReplicas'
  | 'BelowMinReplicas'
  | 'AboveMaxReplicas'
  | 'NoSamples';

/** The KPA's figures of one tick (also shown on the dashboard). */
export interface KpaFigures {
  stableConcurrency: number;
  panicConcurrency: number;
  stableDesired: number;
  panicDesired: number;
  panicking: boolean;
  panicSince: number | null;
  lastActiveAt: number | null;
}

/** A decision with the KPA's figures and the panic state to keep for the next tick. */
export interface ConcurrencyDecision extends ScaleDecision<ConcurrencyReason> {
  kpa: KpaFigures;
  panic: PanicState;
}

/** Zone input of `decideConcurrency`. */
export interface ConcurrencyZoneState {
  zone: ZoneId;
  /** Ready app servers now (the current count the decision starts from). */
  ready: number;
  /** Per-second zone concurrency, any order; points older than the stable window are ignored. */
  series: readonly ConcurrencyPoint[];
  /** Epoch ms of the zone's last request or activation; null when none is known. */
  lastActiveAt: number | null;
  panic: PanicState;
}

const fixed = (x: number) => x.toFixed(1);

/** Mean concurrency of the points in (now − windowMs, now], or null when there are none. */
function windowMean(series: readonly ConcurrencyPoint[], windowMs: number, now: number): number | null {
  const pts = series.filter((p) => p.ts > now - windowMs && p.ts <= now);
  return pts.length === 0 ? null : pts.reduce((a, p) => a + p.concurrency, 0) / pts.length;
}

/** Decides one zone at `now` (epoch ms) with the KPA; see the module comment for the steps. */
export function decideConcurrency(
  z: ConcurrencyZoneState,
  policy: ConcurrencyPolicy,
  now: number,
): ConcurrencyDecision {
  const n = z.ready;
  const idleFor = z.lastActiveAt === null ? Number.POSITIVE_INFINITY : now - z.lastActiveAt;
  const idleWindow = idleFor >= policy.stableWindowMs;
  const stable = windowMean(z.series, policy.stableWindowMs, now) ?? (idleWindow ? 0 : null);
  const panicMean = windowMean(z.series, policy.panicWindowMs, now) ?? (stable === null ? null : 0);
  const figures = (o: Partial<KpaFigures> = {}): KpaFigures => ({
    stableConcurrency: stable ?? 0,
    panicConcurrency: panicMean ?? 0,
    stableDesired: n,
    panicDesired: n,
    panicking: z.panic.panicSince !== null,
    panicSince: z.panic.panicSince,
    lastActiveAt: z.lastActiveAt,
    ...o,
  });
  const out = (
    desired: number,
    reason: ConcurrencyReason,
    message: string,
    kpa: KpaFigures,
    panic: PanicState,
  ): ConcurrencyDecision => ({ desired, reason, message: `${z.zone}: ${message}`, kpa, panic });
  if (stable === null || panicMean === null)
    return out(n, 'NoSamples', 'no concurrency samples in the stable window', figures(), z.panic);

  const readyF = Math.max(1, n);
  const maxUp = Math.ceil(policy.maxScaleUpRate * readyF);
  const maxDown = Math.floor(readyF / policy.maxScaleDownRate);
  const clampRate = (x: number) => Math.min(Math.max(x, maxDown), maxUp);
  const dspc = Math.ceil(stable / policy.targetConcurrency);
  const dppc = Math.ceil(panicMean / policy.targetConcurrency);
  const stableDesired = clampRate(dspc);
  const panicDesired = clampRate(dppc);
  const over = dppc / readyF >= policy.panicThreshold;

  let panic: PanicState = z.panic;
  let ended = false;
  if (over) panic = { ...panic, panicSince: now };
  else if (panic.panicSince !== null && now - panic.panicSince > policy.stableWindowMs) {
    panic = calmState();
    ended = true;
  }
  const panicking = panic.panicSince !== null;
  let desired = stableDesired;
  let held = false;
  if (panicking) {
    desired = Math.max(desired, panicDesired);
    if (desired > panic.maxPanicPods) panic = { ...panic, maxPanicPods: desired };
    else if (desired < panic.maxPanicPods) {
      desired = panic.maxPanicPods;
      held = true;
    }
  }
  const kpa = figures({ stableDesired, panicDesired, panicking, panicSince: panic.panicSince });
  const detail = `concurrency ${fixed(stable)} stable / ${fixed(panicMean)} panic over ${n} ready servers, target ${policy.targetConcurrency} per server: ${stableDesired} stable / ${panicDesired} panic wanted`;
  const done = (d: number, reason: ConcurrencyReason, why: string) =>
    out(d, reason, `${detail}; ${why}`, kpa, panic);

  if (n < policy.minReplicas)
    return done(
      policy.minReplicas,
      'BelowMinReplicas',
      `below the minimum ${policy.minReplicas}: ${n} -> ${policy.minReplicas}`,
    );
  if (n > policy.maxReplicas)
    return done(
      policy.maxReplicas,
      'AboveMaxReplicas',
      `above the maximum ${policy.maxReplicas}: ${n} -> ${policy.maxReplicas}`,
    );
  let capped = '';
  if (desired > policy.maxReplicas) {
    desired = policy.maxReplicas;
    capped = `capped at the maximum ${policy.maxReplicas}; `;
  } else if (desired < policy.minReplicas) {
    desired = policy.minReplicas;
    capped = `floored at the minimum ${policy.minReplicas}; `;
  }

  if (panicking) {
    if (desired > n)
      return done(
        desired,
        'PanicScaleUp',
        `${capped}panic (panic desired ${dppc} / ${readyF} ready ≥ ${policy.panicThreshold}): ${n} -> ${desired}`,
      );
    const since = `panicking since ${panic.panicSince}`;
    return done(
      n,
      'PanicHold',
      `${capped}${held || desired < n ? 'no scale-down while panicking' : 'panic'}, ${since}: keeping ${n}`,
    );
  }
  if (desired === 0 && n > 0) {
    if (idleFor < policy.scaleToZeroGraceMs)
      return done(
        1,
        n > 1 ? 'ScaleDown' : 'ScaleToZeroGrace',
        `last request ${idleFor} ms ago, the last server stays for the ${policy.scaleToZeroGraceMs} ms grace: ${n} -> 1`,
      );
    return done(
      0,
      'ScaledToZero',
      `no request for ${idleFor === Number.POSITIVE_INFINITY ? 'ever' : `${idleFor} ms`} (grace ${policy.scaleToZeroGraceMs} ms): ${n} -> 0`,
    );
  }
  const prefix = ended ? 'panic ended (no panic condition for a stable window); ' : capped;
  if (ended) return done(desired, 'PanicEnded', `${prefix}${n} -> ${desired}`);
  if (desired > n) return done(desired, capped ? 'AtMaxReplicas' : 'ScaleUp', `${prefix}${n} -> ${desired}`);
  if (desired < n)
    return done(desired, capped ? 'AtMinReplicas' : 'ScaleDown', `${prefix}${n} -> ${desired}`);
  if (n === 0) return done(0, 'AtZero', 'no traffic: staying at zero');
  const atBound =
    n === policy.maxReplicas && capped
      ? 'AtMaxReplicas'
      : n === policy.minReplicas && capped
        ? 'AtMinReplicas'
        : 'DesiredReached';
  return done(n, atBound, `${prefix}keeping ${n}`);
}
