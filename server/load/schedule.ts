/**
 * The load generator's pure core: how many requests are due at a moment of an open-loop run
 * (a constant arrival rate, so a slow target does not slow the offered load down — it shows up as
 * latency and, past the in-flight cap, as dropped requests), the run's bounds, and latency
 * percentiles over a window. No clock, no I/O: callers pass elapsed ms and latencies.
 */

/** Hard bounds of one run (issue 6: bounded rate and duration, so no run can flood the machine). */
export const LOAD_LIMITS = {
  /** Highest offered rate, req/s. */
  maxRate: 500,
  /** Longest run, s. */
  maxDurationS: 300,
  /** Requests allowed in flight at once; a request due beyond this is counted as dropped, not sent. */
  maxInFlight: 256,
} as const;

/** The total number of requests of a run: `rate` req/s × `durationS` s, rounded down. */
export function plannedTotal(rate: number, durationS: number): number {
  return Math.floor(rate * durationS);
}

/**
 * Requests due now: those the constant-rate schedule has released by `elapsedMs` (request n is due
 * at n / rate s) minus those already `started`, never beyond `total`. Never negative.
 */
export function dueNow(rate: number, elapsedMs: number, started: number, total: number): number {
  const released = Math.min(total, Math.floor((rate * Math.max(0, elapsedMs)) / 1000) + 1);
  return Math.max(0, released - started);
}

/** Nearest-rank percentile `p` (0–100) of ascending `sorted` values; null when empty. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

/** Latency percentiles of a set of requests, ms (null when there were none). */
export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** p50/p95/p99 of `latenciesMs` (any order). */
export function latencyPercentiles(latenciesMs: readonly number[]): LatencyPercentiles {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** Checks a run's rate (req/s) and duration (s) against `LOAD_LIMITS`; returns the problem or null. */
export function checkBounds(rate: number, durationS: number): string | null {
  if (!Number.isFinite(rate) || rate <= 0 || rate > LOAD_LIMITS.maxRate)
    return `rate must be in (0, ${LOAD_LIMITS.maxRate}] req/s, got ${rate}`;
  if (!Number.isFinite(durationS) || durationS <= 0 || durationS > LOAD_LIMITS.maxDurationS)
    return `duration must be in (0, ${LOAD_LIMITS.maxDurationS}] s, got ${durationS}`;
  return null;
}

/** True when `url` is an http(s) URL on the loopback network (127.0.0.0/8 or localhost). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    return u.hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(u.hostname);
  } catch {
    return false;
  }
}
