/**
 * Request metrics of one balancer, per upstream server, over one-second windows (the balancer's own
 * measurement of its servers, contracts.md §1): completed requests, time-weighted mean in-flight
 * requests (the integral of in-flight × time over the window, divided by its length — the
 * KPA's "observed concurrency"), latency from request start to response head as p50/p95/p99, and
 * the fraction of answers that were 5xx or failed tries. The forwarder calls it at two points: a
 * try's start/end (`begin`/`end`, the same points as the pool's in-flight count) and its outcome
 * (`answered`/`failed`). Each call is O(1) with no allocation: per server one record with counters
 * and a fixed log-bucket histogram (HDR-style, buckets 4 % apart from 0.01 ms to ~2 min, so a
 * percentile is within ±2 % of the true value), created on a server's first request and reset when
 * the window is taken. `take()` closes the window and returns one summary per known server.
 */

/** Smallest latency bucket bound, ms (faster answers land in the first bucket). */
const MIN_MS = 0.01;
/** Each bucket's upper bound is this factor above its lower bound. */
const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets: 0.01 ms × 1.04^420 ≈ 140 s; slower answers land in the last one. */
const BUCKETS = 420;

/** Idle windows after which a server's record is dropped (300: 5 min of 1 s windows). */
export const FORGET_AFTER_WINDOWS = 300;

/** One server's request summary over a closed window. Latencies are null when none completed. */
export interface RequestWindow {
  /** Upstream URL (origin). */
  upstream: string;
  /** Window length, ms. */
  windowMs: number;
  /** Requests that got a response head or failed on this server, per second. */
  rps: number;
  /** Mean in-flight requests over the window (time-weighted). */
  inFlight: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** (5xx answers + failed tries) / (answers + failed tries); 0 with no traffic. */
  errorRate: number;
}

/** Per-server counters of the open window; one object per server, reused across windows. */
export class ServerRequestStats {
  /** Requests in flight now. */
  current = 0;
  /** ∫ in-flight dt over the window so far, request·ms. */
  private area = 0;
  private lastChange: number;
  /** Something happened in the open window. */
  private touched = true;
  answers = 0;
  errors = 0;
  private readonly counts = new Float64Array(BUCKETS);
  private minMs = Number.POSITIVE_INFINITY;
  private maxMs = 0;

  constructor(
    readonly upstream: string,
    now: number,
  ) {
    this.lastChange = now;
  }

  /** A try started at `now` (monotonic ms). */
  begin(now: number): void {
    this.area += this.current * (now - this.lastChange);
    this.lastChange = now;
    this.current += 1;
    this.touched = true;
  }

  /** A try's in-flight span ended at `now` (response body done, or failed). */
  end(now: number): void {
    if (this.current === 0) return;
    this.area += this.current * (now - this.lastChange);
    this.lastChange = now;
    this.current -= 1;
    this.touched = true;
  }

  /** A response head with `status` arrived `ms` after the request started. */
  answered(status: number, ms: number): void {
    this.answers += 1;
    if (status >= 500) this.errors += 1;
    const v = ms > MIN_MS ? ms : MIN_MS;
    const i = Math.floor(Math.log(v / MIN_MS) / LOG_GROWTH);
    const j = i < BUCKETS ? i : BUCKETS - 1;
    this.counts[j] = (this.counts[j] as number) + 1;
    if (ms < this.minMs) this.minMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** A try on this server failed (connection failure, reset or timeout). */
  failed(): void {
    this.answers += 1;
    this.errors += 1;
  }

  /** Consecutive closed windows in which nothing happened and nothing was in flight. */
  idleWindows = 0;

  /** True when nothing happened in the open window and nothing is in flight. */
  idle(): boolean {
    return !this.touched && this.answers === 0 && this.current === 0;
  }

  /** The window's latencies so far: each non-empty bucket's middle (ms, clamped to the observed range) and count. */
  latencies(): { ms: number; n: number }[] {
    const out: { ms: number; n: number }[] = [];
    for (let i = 0; i < BUCKETS; i++) {
      const n = this.counts[i] as number;
      if (n > 0) out.push({ ms: this.middle(i), n });
    }
    return out;
  }

  /** Closes the window `[start, now)` and resets it. */
  take(start: number, now: number): RequestWindow {
    this.area += this.current * (now - this.lastChange);
    this.lastChange = now;
    const windowMs = Math.max(1, now - start);
    const completed = this.answers; // heads and failed tries
    const heads = this.countHeads();
    const out: RequestWindow = {
      upstream: this.upstream,
      windowMs,
      rps: (completed * 1000) / windowMs,
      inFlight: this.area / windowMs,
      p50Ms: this.quantile(0.5, heads),
      p95Ms: this.quantile(0.95, heads),
      p99Ms: this.quantile(0.99, heads),
      errorRate: completed === 0 ? 0 : this.errors / completed,
    };
    if (heads > 0) this.counts.fill(0);
    this.area = 0;
    this.touched = false;
    this.answers = 0;
    this.errors = 0;
    this.minMs = Number.POSITIVE_INFINITY;
    this.maxMs = 0;
    return out;
  }

  private countHeads(): number {
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) n += this.counts[i] as number;
    return n;
  }

  /** The `q` quantile (nearest rank) as its bucket's geometric middle, clamped to the observed range. */
  private quantile(q: number, n: number): number | null {
    if (n === 0) return null;
    const rank = Math.max(1, Math.ceil(q * n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return this.middle(i);
    }
    return this.maxMs;
  }

  /** Bucket `i`'s geometric middle, clamped to the observed range, rounded to 0.001 ms. */
  private middle(i: number): number {
    const mid = MIN_MS * GROWTH ** (i + 0.5);
    return Math.round(Math.min(this.maxMs, Math.max(this.minMs, mid)) * 1000) / 1000;
  }
}

/** Every upstream server's window; `forServer` is the per-request lookup (a Map get). */
export class RequestStats {
  private readonly servers = new Map<string, ServerRequestStats>();
  private windowStart: number;

  /** `clock` is monotonic ms (default `performance.now`). */
  constructor(readonly clock: () => number = () => performance.now()) {
    this.windowStart = clock();
  }

  /** The record of `upstream`, created on its first request. */
  forServer(upstream: string): ServerRequestStats {
    let s = this.servers.get(upstream);
    if (!s) {
      s = new ServerRequestStats(upstream, this.clock());
      this.servers.set(upstream, s);
    }
    return s;
  }

  /**
   * Closes the window at `clock()` and returns one summary per known server — an idle one reports
   * zeros (the KPA must see a zone go quiet) — forgetting servers idle for more than
   * `FORGET_AFTER_WINDOWS` windows (a removed server stops reporting).
   * `fold`, when given, first receives each server's latencies of the window (`latencies()`).
   */
  take(fold?: (upstream: string, latencies: { ms: number; n: number }[]) => void): RequestWindow[] {
    const now = this.clock();
    const start = this.windowStart;
    this.windowStart = now;
    const out: RequestWindow[] = [];
    for (const [url, s] of this.servers) {
      s.idleWindows = s.idle() ? s.idleWindows + 1 : 0;
      if (s.idleWindows > FORGET_AFTER_WINDOWS) {
        this.servers.delete(url);
        continue;
      }
      if (fold && s.answers > 0) fold(url, s.latencies());
      out.push(s.take(start, now));
    }
    return out;
  }
}
