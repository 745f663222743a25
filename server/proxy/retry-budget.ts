/**
 * A retry budget (Finagle's `RetryBudget`, Envoy's `retry_budget`), pure: retries may add at most
 * `percent` % of the requests seen in the last `windowMs` (default 20 % of 10 s), plus a small floor
 * (`minRetries` per window, default 3) so a quiet zone can still retry its occasional failure. A sick
 * zone is thus never hit by a retry storm that multiplies its load by the number of tries. Counts
 * live in one-second buckets of a ring, so memory is constant and every call is O(1) amortised; the
 * caller passes `now` (epoch ms).
 */

/** Options of a retry budget. Defaults: 20 % of the requests in a 10 s window, at least 3 retries. */
export interface RetryBudgetOptions {
  /** Retries allowed as a % of requests in the window (default 20). */
  percent?: number;
  /** Window length, ms (default 10 000). */
  windowMs?: number;
  /** Retries always allowed per window regardless of traffic (default 3). */
  minRetries?: number;
}

const BUCKETS = 10;

/** Sliding-window retry budget. */
export class RetryBudget {
  private readonly percent: number;
  private readonly minRetries: number;
  private readonly bucketMs: number;
  private readonly requests = new Float64Array(BUCKETS);
  private readonly retries = new Float64Array(BUCKETS);
  private epoch = -1;
  private reqTotal = 0;
  private retryTotal = 0;

  constructor(opts: RetryBudgetOptions = {}) {
    this.percent = opts.percent ?? 20;
    this.minRetries = opts.minRetries ?? 3;
    this.bucketMs = Math.max(1, (opts.windowMs ?? 10_000) / BUCKETS);
  }

  /** Counts one client request at `now` (ms). */
  recordRequest(now: number): void {
    const i = this.advance(now);
    this.requests[i] = (this.requests[i] as number) + 1;
    this.reqTotal += 1;
  }

  /** Takes one retry from the budget at `now` if there is room; returns whether the retry may go. */
  tryRetry(now: number): boolean {
    const i = this.advance(now);
    const allowed = Math.max(this.minRetries, (this.reqTotal * this.percent) / 100);
    if (this.retryTotal + 1 > allowed) return false;
    this.retries[i] = (this.retries[i] as number) + 1;
    this.retryTotal += 1;
    return true;
  }

  /** Requests and retries counted in the current window (for metrics and tests). */
  counts(now: number): { requests: number; retries: number } {
    this.advance(now);
    return { requests: this.reqTotal, retries: this.retryTotal };
  }

  private advance(now: number): number {
    const e = Math.floor(now / this.bucketMs);
    if (this.epoch < 0) this.epoch = e;
    if (e > this.epoch) {
      const steps = Math.min(BUCKETS, e - this.epoch);
      for (let s = 1; s <= steps; s++) {
        const j = (this.epoch + s) % BUCKETS;
        this.reqTotal -= this.requests[j] as number;
        this.retryTotal -= this.retries[j] as number;
        this.requests[j] = 0;
        this.retries[j] = 0;
      }
      this.epoch = e;
    }
    return this.epoch % BUCKETS;
  }
}

/** The process's retry budgets by settings: every forwarder of the process with the same settings shares one. */
const processBudgets = new Map<string, RetryBudget>();

/**
 * The retry budget of this process for `opts` (one per distinct percent and window): the balancer
 * and the gateway, and every forwarder they build, count their requests and retries in one budget,
 * so a retry storm is bounded per process and not per listener.
 */
export function processRetryBudget(opts: RetryBudgetOptions = {}): RetryBudget {
  const key = `${opts.percent ?? 20}/${opts.windowMs ?? 10_000}`;
  let b = processBudgets.get(key);
  if (!b) processBudgets.set(key, (b = new RetryBudget(opts)));
  return b;
}
