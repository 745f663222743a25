/**
 * Per-try deadlines of the upstream client: one sweep timer (every `TIMEOUT_TICK_MS`) over an
 * intrusive doubly linked list (`../intrusive-list.ts`) of the exchanges that are waiting for a
 * response head, instead of a `setTimeout` per request (and without a per-request Set entry, whose
 * churn showed as p99 latency). An exchange is watched while the upstream owes it something —
 * connecting, taking the request, answering — and not while the request body is still coming from
 * the client (issue 10, defect 1): the caller (`exchange.ts`) decides when to `watch` and
 * `unwatch`. The timer runs only while the list is not empty.
 */

import { IntrusiveList, type Linked } from '../intrusive-list.ts';

/** ms between sweeps; a try times out at most this late. */
export const TIMEOUT_TICK_MS = 20;

/** What the list needs of an exchange (fields it owns; `reset` on reuse sets them back). */
export interface Timed extends Linked {
  /** `performance.now()` ms at which it times out. */
  deadline: number;
}

/** The watched exchanges and their sweep. `expire` is called for each one past its deadline. */
export class Deadlines<T extends Timed> {
  private readonly watched = new IntrusiveList<T>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly expire: (t: T) => void) {}

  /** Watches `t` with a deadline `ms` from now (moving it when it was watched already). */
  watch(t: T, ms: number): void {
    t.deadline = performance.now() + ms;
    this.watched.add(t);
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), TIMEOUT_TICK_MS);
    this.timer.unref?.();
  }

  /** Stops watching `t` (no-op when it is not watched). */
  unwatch(t: T): void {
    this.watched.remove(t);
  }

  /** Expires every exchange past its deadline; stops the timer when none is watched. */
  private sweep(): void {
    if (!this.watched.first) {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    const now = performance.now();
    let t = this.watched.first as Timed | null;
    while (t) {
      const next = t.listNext as Timed | null;
      if (now >= t.deadline) {
        this.unwatch(t as T);
        this.expire(t as T);
      }
      t = next;
    }
  }
}
