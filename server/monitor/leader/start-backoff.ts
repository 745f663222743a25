/**
 * Back-off of app-server starts per zone, after a `ServiceFailedToStart`: the n-th consecutive
 * failure waits `min(baseMs * 2^(n-1), capMs)` before the next try (exponential, capped, as
 * Kubernetes' CrashLoopBackOff: 10 s doubling to 5 min; ours default 2 s doubling to 60 s, since
 * a leader period is seconds). A start that answers its health check resets the zone. Pure state
 * and `now` in; the leader keeps one per `LeaderContext`.
 */
import type { ZoneId } from '../../shared/types.ts';

/** Default first delay and cap, ms. */
export const START_BACKOFF_BASE_MS = 2_000;
export const START_BACKOFF_CAP_MS = 60_000;

/** The delay after the `failures`-th consecutive failure (1, 2, …), ms. */
export function backoffDelayMs(failures: number, baseMs: number, capMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

/** Consecutive start failures and the earliest next try of each zone. */
export class StartBackoff {
  private readonly zones = new Map<ZoneId, { failures: number; notBefore: number }>();

  constructor(
    readonly baseMs = START_BACKOFF_BASE_MS,
    readonly capMs = START_BACKOFF_CAP_MS,
  ) {}

  /** How long `zone` must still wait before the next start at `now` (epoch ms), ms; 0 = may start. */
  remainingMs(zone: ZoneId, now: number): number {
    const z = this.zones.get(zone);
    return z ? Math.max(0, z.notBefore - now) : 0;
  }

  /** Records a failed start at `now`; returns the delay before the next try, ms. */
  failed(zone: ZoneId, now: number): number {
    const failures = (this.zones.get(zone)?.failures ?? 0) + 1;
    const delay = backoffDelayMs(failures, this.baseMs, this.capMs);
    this.zones.set(zone, { failures, notBefore: now + delay });
    return delay;
  }

  /** A start of `zone` answered its health check: the next failure starts from the base delay again. */
  succeeded(zone: ZoneId): void {
    this.zones.delete(zone);
  }

  /** Consecutive failures of `zone` so far. */
  failures(zone: ZoneId): number {
    return this.zones.get(zone)?.failures ?? 0;
  }
}
