/**
 * The embedded-default metrics bus, producer side: an app server pushes its samples to the
 * collector's `POST /samples` as `{ samples: Sample[] }` with the cluster token. Each `publish`
 * starts a flush unless one is in flight, so samples that pile up while the collector is slow or
 * down go out together as one batch on the next flush. Undelivered samples wait in a bounded buffer
 * (default 600 = 10 min at the source design's 1 sample/s); past the bound the oldest are dropped
 * and counted. A batch the collector rejects as malformed (400/413/422) is dropped, not retried.
 */
import type { Logger } from '../../shared/logger.ts';
import type { Sample } from '../../shared/types.ts';
import type { MetricsPublisher } from '../metrics-bus.ts';

/** Options of `HttpMetricsPublisher`. */
export interface HttpPublisherOptions {
  /** Collector base URL, e.g. `http://127.0.0.1:7000`; samples go to `<collector>/samples`. */
  collector: string;
  /** Cluster token sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Samples kept while the collector is unreachable; default 600 (10 min at 1/s). Oldest dropped first. */
  maxBuffered?: number;
  /** Samples per POST; default 1000 (the collector accepts up to 10 000). */
  maxBatch?: number;
  /** Timeout of one POST, ms; default 2000. */
  timeoutMs?: number;
  /** Injected for tests; defaults to the global `fetch`. */
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  logger?: Logger;
}

/** Delivery counters, for health checks and tests. */
export interface HttpPublisherStats {
  sent: number;
  /** Dropped because the buffer was full (oldest first). */
  dropped: number;
  /** Dropped because the collector refused the batch as malformed. */
  rejected: number;
  failures: number;
}

/** HTTP push publisher; see the module comment for the batching and buffering rules. */
export class HttpMetricsPublisher implements MetricsPublisher {
  private readonly buffer: Sample[] = [];
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private readonly url: string;
  private readonly maxBuffered: number;
  private readonly maxBatch: number;
  private readonly timeoutMs: number;
  private readonly doFetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly stats: HttpPublisherStats = { sent: 0, dropped: 0, rejected: 0, failures: 0 };

  constructor(private readonly opts: HttpPublisherOptions) {
    this.url = `${opts.collector.replace(/\/+$/, '')}/samples`;
    this.maxBuffered = opts.maxBuffered ?? 600;
    this.maxBatch = opts.maxBatch ?? 1000;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.doFetch = opts.fetch ?? ((u, i) => fetch(u, i));
  }

  /** Queues `sample` and starts a flush unless one is running; never throws. */
  publish(sample: Sample): void {
    if (this.closed) return;
    this.buffer.push(sample);
    this.trim();
    if (!this.inFlight) this.inFlight = this.flush().finally(() => (this.inFlight = null));
  }

  /** Samples buffered and not yet acknowledged by the collector. */
  pending(): number {
    return this.buffer.length;
  }

  /** Resolves when no flush is running (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Waits for the running flush, tries once more to deliver what is left, then stops. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.inFlight;
    if (this.buffer.length > 0) await this.flush();
  }

  /** Sends buffered samples batch by batch; stops at the first failure (the rest wait). */
  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatch);
      let res: Response;
      try {
        res = await this.doFetch(this.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ samples: batch }),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        await res.arrayBuffer().catch(() => {});
      } catch (err) {
        this.failed(batch, String((err as Error)?.message ?? err));
        return;
      }
      if (res.ok) {
        this.stats.sent += batch.length;
      } else if (res.status === 400 || res.status === 413 || res.status === 422) {
        this.stats.rejected += batch.length;
        this.opts.logger?.warn(
          { status: res.status, count: batch.length },
          'collector rejected a sample batch; dropped',
        );
      } else {
        this.failed(batch, `HTTP ${res.status}`);
        return;
      }
    }
  }

  private failed(batch: Sample[], why: string): void {
    this.stats.failures += 1;
    this.buffer.unshift(...batch);
    this.trim();
    if (this.stats.failures === 1 || this.stats.failures % 30 === 0) {
      this.opts.logger?.warn(
        { why, pending: this.buffer.length, dropped: this.stats.dropped },
        'metrics push to the collector failed; buffering',
      );
    }
  }

  private trim(): void {
    const over = this.buffer.length - this.maxBuffered;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.stats.dropped += over;
    }
  }
}
