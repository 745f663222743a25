/**
 * The zone's three server pools of the source design — alive, disconnected, dead — as a pure state
 * machine: every method takes `now` (epoch ms) and no method does I/O or reads the clock. Alive
 * servers are checked every `checkIntervalMs`; a failed check (or `outlierThreshold` consecutive
 * failed live requests, passive outlier detection) moves a server to disconnected; disconnected
 * servers are rechecked every `recheckIntervalMs`, go back to alive on success and become dead after
 * `deadAfter` failed rechecks; the dead pool waits to be reported to the leader and is dropped once
 * the report succeeds. Servers are identified by their origin URL (`http://127.0.0.1:9101`).
 */

/** Timings and thresholds of the pools. Defaults come from the source design (10 s, 30 s, 3). */
export interface PoolOptions {
  /** ms between active checks of an alive server (source design: 10 s). */
  checkIntervalMs: number;
  /** ms between rechecks of a disconnected server (source design: 30 s). */
  recheckIntervalMs: number;
  /** Failed rechecks after which a disconnected server is dead (source design: 3). */
  deadAfter: number;
  /** Consecutive failed live requests that eject an alive server at once (outlier detection). Default 1. */
  outlierThreshold?: number;
}

/** The three pools of the source design. */
export type PoolName = 'alive' | 'disconnected' | 'dead';

/** One server as `GET /pools` shows it; `since` is epoch ms of entering its current pool. */
export interface AliveView {
  url: string;
  inFlight: number;
  since: number;
  /** CPU % and in-flight requests the server reported in its last health check (load-aware health). */
  load?: { cpu: number; inFlight: number };
}
export interface DisconnectedView {
  url: string;
  failedRechecks: number;
  since: number;
}
export interface DeadView {
  url: string;
  since: number;
}

/** A snapshot of the three pools, each sorted by URL. */
export interface PoolsView {
  alive: AliveView[];
  disconnected: DisconnectedView[];
  dead: DeadView[];
}

/** A pool transition, returned by mutating methods so the caller can log and count it. */
export interface Transition {
  url: string;
  from: PoolName | null;
  to: PoolName | null;
  reason:
    | 'added'
    | 'removed'
    | 'check-failed'
    | 'check-passed'
    | 'recheck-failed'
    | 'dead'
    | 'outlier'
    | 'reported';
}

interface Entry {
  state: PoolName;
  since: number;
  nextCheckAt: number;
  failedRechecks: number;
  consecutiveFailures: number;
  /** Epoch ms of the last live request answered (any status); 0 = none. */
  lastSuccessAt: number;
}

/**
 * The pools of one zone. Mutating methods return the transitions they made (empty = no change).
 * In-flight counts are kept per URL apart from membership, so a drained or ejected server's
 * running requests still finish and release their count.
 */
export class Pools {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, number>();
  private readonly loads = new Map<string, { cpu: number; inFlight: number }>();
  private totalInFlightCount = 0;
  private aliveCache: string[] | null = null;
  private readonly outlierThreshold: number;

  constructor(
    private readonly opts: PoolOptions,
    initial: readonly string[] = [],
    now = 0,
  ) {
    this.outlierThreshold = opts.outlierThreshold ?? 1;
    for (const url of initial) this.add(url, now);
  }

  /** Adds `url` to the alive pool; a URL already in any pool is left as it is (no-op). */
  add(url: string, now: number): Transition[] {
    if (this.entries.has(url)) return [];
    this.entries.set(url, this.entry('alive', now));
    this.aliveCache = null;
    return [{ url, from: null, to: 'alive', reason: 'added' }];
  }

  /** Removes `url` from whichever pool holds it (drain: no new requests, in-flight ones finish). */
  remove(url: string): Transition[] {
    const e = this.entries.get(url);
    if (!e) return [];
    this.entries.delete(url);
    this.loads.delete(url);
    this.aliveCache = null;
    return [{ url, from: e.state, to: null, reason: 'removed' }];
  }

  /**
   * The one status setter the health checker calls (Traefik style) with a probe result.
   * Alive + down → disconnected; disconnected + up → alive; disconnected + down counts a failed
   * recheck and moves to dead at `deadAfter`. Unknown and dead servers are ignored.
   */
  setStatus(url: string, up: boolean, now: number, load?: { cpu: number; inFlight: number }): Transition[] {
    const e = this.entries.get(url);
    if (!e || e.state === 'dead') return [];
    if (up && load) this.loads.set(url, load);
    else if (!up) this.loads.delete(url);
    if (e.state === 'alive') {
      if (up) {
        e.consecutiveFailures = 0;
        return [];
      }
      // Live traffic answered within the last check interval proves the server up: a probe that
      // failed only because this balancer was saturated must not eject the zone's servers.
      if (e.lastSuccessAt > 0 && now - e.lastSuccessAt < this.opts.checkIntervalMs) return [];
      return [this.move(url, e, 'disconnected', now, 'check-failed')];
    }
    if (up) return [this.move(url, e, 'alive', now, 'check-passed')];
    e.failedRechecks += 1;
    if (e.failedRechecks >= this.opts.deadAfter) return [this.move(url, e, 'dead', now, 'dead')];
    return [{ url, from: 'disconnected', to: 'disconnected', reason: 'recheck-failed' }];
  }

  /**
   * Passive outlier detection: a live request to `url` failed to connect or timed out. After
   * `outlierThreshold` consecutive failures an alive server moves to disconnected at once.
   */
  recordFailure(url: string, now: number): Transition[] {
    const e = this.entries.get(url);
    if (!e || e.state !== 'alive') return [];
    e.consecutiveFailures += 1;
    if (e.consecutiveFailures < this.outlierThreshold) return [];
    e.lastSuccessAt = 0;
    return [this.move(url, e, 'disconnected', now, 'outlier')];
  }

  /**
   * A live request to `url` got a response (any status) at `now`: resets its consecutive failures,
   * and a failed active check within one check interval of it is ignored.
   */
  recordSuccess(url: string, now = 0): void {
    const e = this.entries.get(url);
    if (!e) return;
    e.consecutiveFailures = 0;
    if (now > e.lastSuccessAt) e.lastSuccessAt = now;
  }

  /**
   * Servers whose active check (alive) or recheck (disconnected) is due at `now`. Their next check
   * is pushed one interval ahead, so a slow probe is never started twice.
   */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (const [url, e] of this.entries) {
      if (e.state === 'dead' || e.nextCheckAt > now) continue;
      e.nextCheckAt = now + this.interval(e.state);
      due.push(url);
    }
    return due;
  }

  /** Alive URLs in insertion order; the same array is returned until membership changes. */
  alive(): readonly string[] {
    if (!this.aliveCache)
      this.aliveCache = [...this.entries].filter(([, e]) => e.state === 'alive').map(([u]) => u);
    return this.aliveCache;
  }

  /** Dead URLs waiting to be reported to the leader. */
  dead(): string[] {
    return [...this.entries].filter(([, e]) => e.state === 'dead').map(([u]) => u);
  }

  /** Drops `urls` that are still dead after the leader accepted the report (source design). */
  dropReported(urls: readonly string[]): Transition[] {
    const out: Transition[] = [];
    for (const url of urls) {
      const e = this.entries.get(url);
      if (e?.state !== 'dead') continue;
      this.entries.delete(url);
      out.push({ url, from: 'dead', to: null, reason: 'reported' });
    }
    return out;
  }

  /** Epoch ms `url` entered the alive pool (added, or back from disconnected); undefined when not alive. */
  aliveSince(url: string): number | undefined {
    const e = this.entries.get(url);
    return e?.state === 'alive' ? e.since : undefined;
  }

  /** Pool of `url`, or null when the balancer does not hold it. */
  stateOf(url: string): PoolName | null {
    return this.entries.get(url)?.state ?? null;
  }

  /** Counts a request starting on `url` (for `GET /pools` and connection-aware strategies). */
  acquire(url: string): void {
    this.inFlight.set(url, (this.inFlight.get(url) ?? 0) + 1);
    this.totalInFlightCount += 1;
  }

  /** Counts a request on `url` finishing (response body fully sent, failed or cancelled). */
  release(url: string): void {
    const had = this.inFlight.get(url) ?? 0;
    if (had === 0) return;
    this.totalInFlightCount -= 1;
    if (had > 1) this.inFlight.set(url, had - 1);
    else this.inFlight.delete(url);
  }

  /** Requests running on all servers, removed (draining) ones included. */
  totalInFlight(): number {
    return this.totalInFlightCount;
  }

  /** CPU % `url` reported in its last health check, undefined when unknown. */
  cpuOf(url: string): number | undefined {
    return this.loads.get(url)?.cpu;
  }

  /** Requests currently running on `url`. */
  inFlightOf(url: string): number {
    return this.inFlight.get(url) ?? 0;
  }

  /** Pool sizes. */
  counts(): { alive: number; disconnected: number; dead: number } {
    const c = { alive: 0, disconnected: 0, dead: 0 };
    for (const e of this.entries.values()) c[e.state] += 1;
    return c;
  }

  /** A snapshot of every pool, sorted by URL. */
  view(): PoolsView {
    const sorted = [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const v: PoolsView = { alive: [], disconnected: [], dead: [] };
    for (const [url, e] of sorted) {
      if (e.state === 'alive') {
        const load = this.loads.get(url);
        v.alive.push(
          load
            ? { url, inFlight: this.inFlightOf(url), since: e.since, load }
            : { url, inFlight: this.inFlightOf(url), since: e.since },
        );
      } else if (e.state === 'disconnected')
        v.disconnected.push({ url, failedRechecks: e.failedRechecks, since: e.since });
      else v.dead.push({ url, since: e.since });
    }
    return v;
  }

  private entry(state: PoolName, now: number): Entry {
    return {
      state,
      since: now,
      nextCheckAt: now + this.interval(state),
      failedRechecks: 0,
      consecutiveFailures: 0,
      lastSuccessAt: 0,
    };
  }

  private interval(state: PoolName): number {
    return state === 'alive' ? this.opts.checkIntervalMs : this.opts.recheckIntervalMs;
  }

  private move(url: string, e: Entry, to: PoolName, now: number, reason: Transition['reason']): Transition {
    const from = e.state;
    this.entries.set(url, this.entry(to, now));
    this.aliveCache = null;
    return { url, from, to, reason };
  }
}
