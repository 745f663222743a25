/**
 * Back-off of app-server starts per zone, after a `ServiceFailedToStart`: the n-th consecutive
 * failure waits `min(baseMs * 2^(n-1), capMs)` before the next try (exponential, capped, as
 * Kubernetes' CrashLoopBackOff: 10 s doubling to 5 min; ours default 2 s doubling to 60 s, since
 * a leader period is seconds). A start that answers its health check resets the zone. Pure state
 * and `now` in; the leader keeps one per `LeaderContext`, and a new leader restores each zone's
 * state from the event log once (`restoreOnce`), so a failover does not restart the back-off.
 */
import type { ClusterEvent, ZoneId } from '../../shared/types.ts';

/** The zone's failed starts in a row, from the event log (newest first): count and newest ts, epoch ms. */
export function failuresInARow(
  events: readonly ClusterEvent[],
  zone: ZoneId,
): { count: number; lastTs: number } {
  let count = 0;
  let lastTs = 0;
  for (const e of events) {
    if (e.zone !== zone) continue;
    if (e.reason === 'ServiceFailedToStart') {
      if (count === 0) lastTs = e.ts;
      count++;
    } else if ((e.kind === 'scale-up' || e.kind === 'replace') && e.serverId !== null) break; // a start that came up
  }
  return { count, lastTs };
}

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
  private readonly restored = new Set<ZoneId>();

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

  /** The first call per zone takes `count` failures in a row, the newest at `lastTs` (epoch ms); later calls do nothing. */
  restoreOnce(zone: ZoneId, past: { count: number; lastTs: number }): void {
    if (this.restored.has(zone)) return;
    this.restored.add(zone);
    if (past.count > 0 && !this.zones.has(zone))
      this.zones.set(zone, {
        failures: past.count,
        notBefore: past.lastTs + backoffDelayMs(past.count, this.baseMs, this.capMs),
      });
  }

  /** Consecutive failures of `zone` so far. */
  failures(zone: ZoneId): number {
    return this.zones.get(zone)?.failures ?? 0;
  }
}
