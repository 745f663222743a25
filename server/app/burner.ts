/**
 * Makes the process's measured CPU follow a scenario target in `burn` mode. A Bun Worker burns a
 * duty cycle (see `burner-worker.ts`); a pure proportional-integral correction (`nextDuty`) moves
 * the duty so the measured CPU meets the target even when other work (requests, the runtime, a
 * busy machine) adds to or steals from it.
 */

/** Controller state: the integral term, in % of one core. */
export interface DutyState {
  integral: number;
}

/** Integral gain per sample (dimensionless) and its clamp, % of one core. */
export const DUTY_GAIN = 0.5;
export const DUTY_INTEGRAL_LIMIT = 40;

/**
 * Next duty (0–1) for `target` % given the `measured` % of the last interval. With no target the
 * duty is 0 and the integral resets. Pure.
 */
export function nextDuty(
  state: DutyState,
  target: number | null,
  measured: number,
): { duty: number; state: DutyState } {
  if (target === null) return { duty: 0, state: { integral: 0 } };
  const integral = Math.min(
    DUTY_INTEGRAL_LIMIT,
    Math.max(-DUTY_INTEGRAL_LIMIT, state.integral + DUTY_GAIN * (target - measured)),
  );
  const duty = Math.min(1, Math.max(0, (target + integral) / 100));
  return { duty, state: { integral } };
}

/** A running burner: set its duty (0–1); `stop()` ends the worker. */
export interface Burner {
  setDuty(duty: number): void;
  stop(): void;
}

/** Starts the burner worker thread (idle until a duty is set). */
export function startBurner(): Burner {
  const worker = new Worker(new URL('./burner-worker.ts', import.meta.url));
  let stopped = false;
  return {
    setDuty(duty) {
      if (!stopped) worker.postMessage({ duty });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      worker.terminate();
    },
  };
}
