/**
 * The chaos run's failed requests, pure: each request that did not get a 200 is placed against its
 * zone's own balancer-down windows. A zone whose only balancer was SIGKILLed cannot answer until
 * the monitor replaces it, so failures inside that window (plus a grace period for the clients'
 * reconnects) are expected; any other failure is one the cluster should have absorbed.
 */
import type { Hit } from '../support/cluster-probe.ts';

/** A span while a zone's balancer was down: its SIGKILL to its recovery (epoch ms; `to` is Infinity until it recovered). */
export interface DownWindow {
  zone: string;
  from: number;
  to: number;
}

/** A request that did not get 200: its zone, the run's second it ended in, its status (0 = no response). */
export interface Failure {
  zone: string;
  second: number;
  status: number;
  /** It ended inside one of its own zone's balancer-down windows (with the grace period). */
  inOwnBalancerDown: boolean;
}

/**
 * The requests sent and the failures among them, in zone order then hit order.
 * `traffic`: the hits of each zone's traffic; `t0`: the run's start (epoch ms); `graceMs`: how long
 * after a window closes a failure still counts as inside it.
 */
export function placeFailures(
  traffic: ReadonlyMap<string, readonly Hit[]>,
  windows: readonly DownWindow[],
  t0: number,
  graceMs: number,
): { sent: number; failures: Failure[] } {
  const failures: Failure[] = [];
  let sent = 0;
  for (const [zone, hits] of traffic) {
    sent += hits.length;
    for (const h of hits) {
      if (h.status === 200) continue;
      const inOwnBalancerDown = windows.some(
        (w) => w.zone === zone && h.t >= w.from && h.t <= w.to + graceMs,
      );
      failures.push({ zone, second: Math.floor((h.t - t0) / 1000), status: h.status, inOwnBalancerDown });
    }
  }
  return { sent, failures };
}

/** Failures counted by `"<zone> @<second>s"`, marked ` (OUTSIDE)` when outside the zone's own down window; first-seen order. */
export function failuresBySecond(failures: readonly Failure[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const key = `${f.zone} @${f.second}s${f.inOwnBalancerDown ? '' : ' (OUTSIDE)'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
