/**
 * Process CPU measured the way `top` does it: CPU time (user + system, from `process.cpuUsage()`,
 * which covers every thread, so the burner worker counts) divided by wall time since the last read,
 * in % of one core (a busy 2-core process reads 200 %).
 */

/** CPU time so far in µs, as `process.cpuUsage()` gives it. */
export type CpuClock = () => { user: number; system: number };

/** Reads process CPU % of one core since the previous read. */
export interface CpuMeter {
  /** % of one core since the previous call (or since creation); 0 when no wall time passed. */
  read(): number;
}

/** A meter over `cpu` (µs) and `wall` (ms) clocks; both injectable for tests. */
export function createCpuMeter(
  cpu: CpuClock = () => process.cpuUsage(),
  wall: () => number = () => performance.now(),
): CpuMeter {
  let last = cpu();
  let lastWall = wall();
  return {
    read() {
      const nowCpu = cpu();
      const nowWall = wall();
      const usedMs = (nowCpu.user - last.user + (nowCpu.system - last.system)) / 1000;
      const elapsedMs = nowWall - lastWall;
      last = nowCpu;
      lastWall = nowWall;
      return elapsedMs > 0 ? Math.max(0, (usedMs / elapsedMs) * 100) : 0;
    },
  };
}
