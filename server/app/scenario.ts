/**
 * The High CPU / Low CPU scenario curves of the source design, as pure functions: state, elapsed
 * ms and a random source in, next state out. High: the CPU target starts at 0 %, rises gradually
 * (8 %/s), and once above 70 % it stays between 70 and 75 %. Low: it starts at 50 %, falls
 * gradually (5 %/s), and once under 10 % it stays between 1 and 10 %. Inside its band the target
 * wanders by a bounded random walk, so charts look alive without ever leaving the band. Off: no target.
 */
import type { ScenarioMode } from '../shared/types.ts';

/** Curve parameters; every rate is % per second, every bound a CPU %. */
export interface ScenarioCurve {
  /** High: rise rate before the band is reached (default 8 %/s). */
  highRisePerSec: number;
  /** High: the band it stays in once above `highBand[0]` (source design: 70–75 %). */
  highBand: [number, number];
  /** Low: where it starts (source design: 50 %). */
  lowStart: number;
  /** Low: fall rate before the band is reached (default 5 %/s). */
  lowFallPerSec: number;
  /** Low: the band it stays in once under `lowBand[1]` (source design: 1–10 %). */
  lowBand: [number, number];
  /** Largest move inside a band, % per second (default 2 %/s). */
  wanderPerSec: number;
}

/** The source design's curves. */
export const DEFAULT_CURVE: ScenarioCurve = {
  highRisePerSec: 8,
  highBand: [70, 75],
  lowStart: 50,
  lowFallPerSec: 5,
  lowBand: [1, 10],
  wanderPerSec: 2,
};

/** A scenario in progress: `target` is the CPU % it asks for (null when off); `inBand` once the band is reached. */
export interface ScenarioState {
  mode: ScenarioMode;
  target: number | null;
  inBand: boolean;
}

/** The state right after `mode` is switched on (High at 0 %, Low at `lowStart`, Off with no target). */
export function startScenario(mode: ScenarioMode, curve: ScenarioCurve = DEFAULT_CURVE): ScenarioState {
  switch (mode) {
    case 'high':
      return { mode, target: 0, inBand: false };
    case 'low':
      return { mode, target: curve.lowStart, inBand: false };
    case 'off':
      return { mode, target: null, inBand: false };
    default: {
      const never: never = mode;
      throw new RangeError(`unknown scenario ${String(never)}`);
    }
  }
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Advances `state` by `dtMs` (ms, negative treated as 0). `rand` returns uniform numbers in [0, 1).
 * A target never moves more than `max(rise, fall, wander) × dt` in one step.
 */
export function stepScenario(
  state: ScenarioState,
  dtMs: number,
  rand: () => number,
  curve: ScenarioCurve = DEFAULT_CURVE,
): ScenarioState {
  if (state.target === null) return state;
  const dt = Math.max(0, dtMs) / 1000;
  const wander = (band: [number, number], t: number) =>
    clamp(t + (rand() * 2 - 1) * curve.wanderPerSec * dt, band[0], band[1]);
  if (state.mode === 'high') {
    if (state.inBand) return { ...state, target: wander(curve.highBand, state.target) };
    const next = state.target + curve.highRisePerSec * dt;
    if (next > curve.highBand[0])
      return { ...state, target: Math.min(next, curve.highBand[1]), inBand: true };
    return { ...state, target: next };
  }
  if (state.mode === 'low') {
    if (state.inBand) return { ...state, target: wander(curve.lowBand, state.target) };
    const next = state.target - curve.lowFallPerSec * dt;
    if (next < curve.lowBand[1]) return { ...state, target: Math.max(next, curve.lowBand[0]), inBand: true };
    return { ...state, target: next };
  }
  return state;
}
