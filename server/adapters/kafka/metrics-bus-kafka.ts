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
import { BufferedPublisher } from '../buffered-publisher.ts';
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

/** Kafka producer publisher; buffering, batching and retry timing come from `BufferedPublisher`. */
export class KafkaMetricsPublisher extends BufferedPublisher {
  private producer: Producer | null = null;
  private readonly topic: string;

  constructor(private readonly opts: KafkaPublisherOptions) {
    super({
      maxBuffered: opts.maxBuffered ?? KAFKA_MAX_BUFFERED,
      maxBatch: opts.maxBatch ?? 500,
      retryMs: opts.retryMs ?? 1_000,
      what: 'publishing samples to Kafka',
      logger: opts.logger,
    });
    this.topic = opts.topic ?? SAMPLES_TOPIC;
  }

  /** Sends one batch keyed by server id (kafkajs retries inside). @throws when Kafka is unreachable */
  protected async deliver(batch: Sample[]): Promise<'sent'> {
    const producer = await this.connect();
    await producer.send({
      topic: this.topic,
      acks: -1,
      // The record timestamp stays the produce time, so retention never drops a late old sample.
      messages: batch.map((s) => ({ key: s.serverId, value: JSON.stringify(s) })),
    });
    return 'sent';
  }

  protected override async release(): Promise<void> {
    await this.producer?.disconnect();
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
}
