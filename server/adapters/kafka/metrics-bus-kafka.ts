/**
 * The real metrics bus, producer side (kafkajs): an app server's samples go to the samples topic
 * keyed by server id, in batches (one `send` carries every buffered sample, up to `maxBatch`), with
 * kafkajs's retries inside each send. While Kafka is down, sends fail and samples wait in a bounded
 * buffer — default 600 samples, 10 minutes at the source design's 1 sample/s; past the bound the
 * oldest are dropped and counted — and go out on the next flush once Kafka is back (a failed flush
 * is retried every `retryMs` even when no new sample arrives). The producer connects lazily and
 * creates the topic (`SAMPLES_PARTITIONS` partitions) if it is missing.
 */
import type { Producer } from 'kafkajs';
import type { Logger } from '../../shared/logger.ts';
import type { Sample } from '../../shared/types.ts';
import type { MetricsPublisher } from '../metrics-bus.ts';
import { ensureTopic, kafkaClient, SAMPLES_TOPIC } from './kafka.ts';

/** Default bound of the buffer while Kafka is down: 600 samples (10 min at 1 sample/s). */
export const KAFKA_MAX_BUFFERED = 600;

/** Options of `KafkaMetricsPublisher`. */
export interface KafkaPublisherOptions {
  /** `host:port` list (env KAFKA_BROKERS). */
  brokers: string[];
  /** kafkajs client id, e.g. the server id. */
  clientId: string;
  topic?: string;
  /** Samples kept while Kafka is unreachable; default `KAFKA_MAX_BUFFERED`. Oldest dropped first. */
  maxBuffered?: number;
  /** Samples per send; default 500. */
  maxBatch?: number;
  /** Delay before retrying a failed flush, ms; default 1000. */
  retryMs?: number;
  logger?: Logger;
}

/** Delivery counters, for health checks and tests. */
export interface KafkaPublisherStats {
  sent: number;
  /** Dropped because the buffer was full (oldest first). */
  dropped: number;
  failures: number;
}

/** Kafka producer publisher; see the module comment for batching and buffering. */
export class KafkaMetricsPublisher implements MetricsPublisher {
  private readonly buffer: Sample[] = [];
  /** Samples of the send in flight (counted as pending until Kafka acknowledges them). */
  private sending = 0;
  private producer: Producer | null = null;
  private inFlight: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly topic: string;
  private readonly maxBuffered: number;
  private readonly maxBatch: number;
  private readonly retryMs: number;
  readonly stats: KafkaPublisherStats = { sent: 0, dropped: 0, failures: 0 };

  constructor(private readonly opts: KafkaPublisherOptions) {
    this.topic = opts.topic ?? SAMPLES_TOPIC;
    this.maxBuffered = opts.maxBuffered ?? KAFKA_MAX_BUFFERED;
    this.maxBatch = opts.maxBatch ?? 500;
    this.retryMs = opts.retryMs ?? 1_000;
  }

  /** Queues `sample` and starts a flush unless one is running; never throws. */
  publish(sample: Sample): void {
    if (this.closed) return;
    this.buffer.push(sample);
    this.trim();
    this.kick();
  }

  /** Samples buffered and not yet acknowledged by Kafka. */
  pending(): number {
    return this.buffer.length + this.sending;
  }

  /** Resolves when no flush is running. */
  async settled(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }

  /** Waits for the running flush, tries once more to deliver what is left, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.inFlight;
    if (this.buffer.length > 0) await this.flush();
    await this.producer?.disconnect().catch(() => {});
  }

  private kick(): void {
    if (!this.inFlight) this.inFlight = this.flush().finally(() => (this.inFlight = null));
  }

  private async connect(): Promise<Producer> {
    if (this.producer) return this.producer;
    const kafka = kafkaClient(this.opts.brokers, this.opts.clientId, this.opts.logger);
    await ensureTopic(kafka, this.topic);
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3 } });
    await producer.connect();
    this.producer = producer;
    return producer;
  }

  /** Sends buffered samples batch by batch; on failure the batch goes back and a retry is scheduled. */
  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.maxBatch);
      this.sending = batch.length;
      try {
        const producer = await this.connect();
        await producer.send({
          topic: this.topic,
          acks: -1,
          // The record timestamp stays the produce time, so retention never drops a late old sample.
          messages: batch.map((s) => ({ key: s.serverId, value: JSON.stringify(s) })),
        });
        this.stats.sent += batch.length;
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
      this.opts.logger?.warn(
        { why, pending: this.buffer.length, dropped: this.stats.dropped },
        'publishing samples to Kafka failed; buffering',
      );
    }
    if (!this.closed && !this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.kick();
      }, this.retryMs);
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
