/**
 * The dev cluster's timings: the source design's, scaled down so a person watching the dashboard
 * sees scaling and healing within seconds. `bun run dev` prints them; every value can be overridden
 * by the matching flag of the role.
 */

/** Dev timings in ms (source-design defaults in comments). */
export const DEV_TIMINGS = {
  /** Balancer active check of the alive pool (source: 10 s). */
  checkIntervalMs: 1_000,
  /** Balancer recheck of the disconnected pool (source: 30 s). */
  recheckIntervalMs: 2_000,
  /** Failed rechecks before dead (source: 3). */
  deadAfter: 3,
  /** Dead-pool report to the leader (source: 60 s). */
  reportIntervalMs: 2_000,
  /** Followers probe the leader (source: 5 s). */
  probeIntervalMs: 1_000,
  /** Election answer / coordinator wait. */
  electionTimeoutMs: 500,
  /** Leader lease (Kubernetes: 15 s); a new leader waits for the old one's to lapse. Renewed every third. */
  leaseMs: 1_500,
  /** Autoscaling period (source: 10 s). */
  periodMs: 2_000,
  /** Samples averaged per decision. */
  windowMs: 4_000,
  /** A zone shrinks only after its average stayed below the low threshold this long: one window (production: 300 s). */
  scaleDownStabilizationMs: 4_000,
} as const;

/** Balancer flags carrying the dev timings. */
export function devBalancerArgs(t = DEV_TIMINGS): string {
  return [
    `--check-interval-ms ${t.checkIntervalMs}`,
    `--recheck-interval-ms ${t.recheckIntervalMs}`,
    `--dead-after ${t.deadAfter}`,
    `--report-interval-ms ${t.reportIntervalMs}`,
    '--check-timeout-ms 500',
  ].join(' ');
}

/** One line a value, for the dev banner. */
export function describeTimings(t = DEV_TIMINGS): string {
  return [
    `balancer: check alive every ${t.checkIntervalMs} ms, recheck disconnected every ${t.recheckIntervalMs} ms, dead after ${t.deadAfter} failed rechecks, report dead every ${t.reportIntervalMs} ms`,
    `monitors: probe leader every ${t.probeIntervalMs} ms, election timeout ${t.electionTimeoutMs} ms, leader lease ${t.leaseMs} ms`,
    `autoscaling: every ${t.periodMs} ms over the last ${t.windowMs} ms of samples; scale down after ${t.scaleDownStabilizationMs} ms below the low threshold`,
  ].join('\n  ');
}
