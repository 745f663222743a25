/**
 * Real CPU work for `GET /work`: a busy loop on the calling thread for a given time, so each user
 * request costs measurable CPU (the load the autoscaler reacts to when no scenario runs).
 */

/** Spins for `ms` milliseconds of wall time and returns how many iterations it ran. */
export function burnFor(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  let x = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) x = (x * 1103515245 + 12345) | 0;
    n++;
  }
  return n + (x & 0);
}
