/**
 * Requests-per-second for samples and the health check: user requests are counted as they
 * arrive, and each sample takes the count since the previous one divided by the elapsed seconds.
 */

/** Counts user requests; `take(elapsedMs)` returns req/s since the last take and resets. */
export class ThroughputMeter {
  private count = 0;
  private lastRate = 0;

  /** Counts one request. */
  hit(): void {
    this.count += 1;
  }

  /** req/s over the last `elapsedMs` ms; resets the count. 0 when `elapsedMs <= 0`. */
  take(elapsedMs: number): number {
    this.lastRate = elapsedMs > 0 ? (this.count * 1000) / elapsedMs : 0;
    this.count = 0;
    return this.lastRate;
  }

  /** The rate returned by the last `take`, req/s. */
  rate(): number {
    return this.lastRate;
  }
}
