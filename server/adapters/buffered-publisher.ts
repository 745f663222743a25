/**
 * What every metrics publisher shares, whatever its transport: samples wait in a bounded buffer
 * (past the bound the oldest are dropped and counted), each `publish` starts a flush unless one is
 * running, a flush sends batch after batch and stops at the first failure, putting that batch back
 * in front, and (when `retryMs` is set) a failed flush is retried on a timer even when no new sample
 * arrives. A transport implements only `deliver`. `publish` never throws (the MetricsPublisher rule).
 */
import type { Logger } from '../shared/logger.ts';
import type { Sample } from '../shared/types.ts';
import type { MetricsPublisher } from './metrics-bus.ts';

/** Delivery counters, for health checks and tests. */
export interface PublisherStats {
  sent: number;
  /** Dropped because the buffer was full (oldest first). */
  dropped: number;
  /** Dropped because the receiver refused the batch as malformed (never retried). */
  rejected: number;
  /** Failed deliveries (the batch went back to the buffer). */
  failures: number;
}

/** Buffering options shared by every publisher. */
export interface BufferOptions {
  /** Samples kept while the receiver is unreachable; oldest dropped first. */
  maxBuffered: number;
  /** Samples per delivery. */
  maxBatch: number;
  /** Retry a failed flush after this many ms even without new samples; null = on the next publish. */
  retryMs: number | null;
  /** Names the transport in the warning logged on failures, e.g. "metrics push to the collector". */
  what: string;
  logger?: Logger;
}

/** Base class of the publishers; see the module comment. */
export abstract class BufferedPublisher implements MetricsPublisher {
  readonly stats: PublisherStats = { sent: 0, dropped: 0, rejected: 0, failures: 0 };
  private readonly buffer: Sample[] = [];
  /** Samples of the delivery in flight (pending until acknowledged). */
  private sending = 0;
  private inFlight: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  protected constructor(protected readonly buffering: BufferOptions) {}

  /**
   * Delivers one batch. Resolves `'sent'`, or `'rejected'` when the receiver refused it as malformed
   * (dropped, counted). @throws on any other failure: the batch goes back and waits.
   */
  protected abstract deliver(batch: Sample[]): Promise<'sent' | 'rejected'>;

  /** Releases the transport after the last flush (connections, producers). */
  protected async release(): Promise<void> {}

  /** Queues `sample` and starts a flush unless one is running; never throws. */
  publish(sample: Sample): void {
    if (this.closed) return;
    this.buffer.push(sample);
    this.trim();
    this.kick();
  }

  /** Samples buffered or in flight, not yet acknowledged. */
  pending(): number {
    return this.buffer.length + this.sending;
  }

  /** Resolves when no flush is running (for tests and orderly shutdown). */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Waits for the running flush, tries once more to deliver what is left, then releases the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.inFlight;
    if (this.buffer.length > 0) await this.flush();
    await this.release().catch(() => {});
  }

  private kick(): void {
    if (!this.inFlight) this.inFlight = this.flush().finally(() => (this.inFlight = null));
  }

  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.buffering.maxBatch);
      this.sending = batch.length;
      try {
        const outcome = await this.deliver(batch);
        if (outcome === 'sent') this.stats.sent += batch.length;
        else {
          this.stats.rejected += batch.length;
          this.buffering.logger?.warn(
            { count: batch.length },
            `${this.buffering.what} refused a batch as malformed; dropped`,
          );
        }
      } catch (err) {
        this.failed(batch, String((err as Error)?.message ?? err));
        return;
      } finally {
        this.sending = 0;
      }
    }
  }

  private failed(batch: Sample[], why: string): void {
    this.stats.failures += 1;
    this.buffer.unshift(...batch);
    this.trim();
    if (this.stats.failures === 1 || this.stats.failures % 30 === 0) {
      this.buffering.logger?.warn(
        { why, pending: this.buffer.length, dropped: this.stats.dropped },
        `${this.buffering.what} failed; buffering`,
      );
    }
    const retryMs = this.buffering.retryMs;
    if (retryMs !== null && !this.closed && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.kick();
      }, retryMs);
    }
  }

  private trim(): void {
    const over = this.buffer.length - this.buffering.maxBuffered;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.stats.dropped += over;
    }
  }
}
