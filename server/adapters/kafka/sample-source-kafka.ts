/**
 * The collector's Kafka input (the job Telegraf's kafka_consumer did in the source design): a
 * kafkajs consumer group reads the samples and requests topics in batches and hands each batch to the sink (the
 * metrics store's write). Offsets are committed only after the write succeeded; while it fails
 * (InfluxDB down) the batch is retried every `retryMs`, heartbeating so the group keeps the
 * partition, and nothing is committed. Delivery is at-least-once: a batch written but not
 * committed before a crash is read again, which is harmless because (serverId, source, ts) identify a
 * sample and the store keeps it once. Malformed messages are skipped and counted.
 */
import type { Consumer } from 'kafkajs';
import type { Logger } from '../../shared/logger.ts';
import { Sample } from '../../shared/types.ts';
import type { SampleSink, SampleSource } from '../sample-source.ts';
import { ensureTopic, kafkaClient, REQUESTS_TOPIC, SAMPLES_TOPIC } from './kafka.ts';

/** Options of `KafkaSampleSource`. */
export interface KafkaSourceOptions {
  brokers: string[];
  /** Consumer group id; select wiring passes `zonescale-collector-<cluster>`. */
  groupId: string;
  /** Topics to consume (default: the samples and the requests topics). */
  topics?: string[];
  /** One topic to consume instead of `topics` (tests). */
  topic?: string;
  /** Read the topic from the start when the group has no committed offset (default true). */
  fromBeginning?: boolean;
  /** Delay between two tries of a failed write, ms; default 1000. */
  retryMs?: number;
  logger?: Logger;
}

/** Consumer counters, for health checks and tests. */
export interface KafkaSourceStats {
  written: number;
  writeFailures: number;
  malformed: number;
  commits: number;
}

/** Parses one message value into a sample, or null when it is not one. */
export function parseSample(value: Buffer | null): Sample | null {
  if (!value) return null;
  try {
    const r = Sample.safeParse(JSON.parse(value.toString('utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/** A consumer-group `SampleSource`; see the module comment for the commit rule. */
export class KafkaSampleSource implements SampleSource {
  private consumer: Consumer | null = null;
  private stopping = false;
  readonly stats: KafkaSourceStats = { written: 0, writeFailures: 0, malformed: 0, commits: 0 };

  constructor(private readonly opts: KafkaSourceOptions) {}

  /** Connects, creates the topic if missing, subscribes and starts the batch loop. @throws kafkajs errors */
  async start(sink: SampleSink): Promise<void> {
    this.sink = sink;
    await this.run(sink);
  }

  private sink: SampleSink | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * A consumer that crashed (e.g. the broker stayed away longer than its retries) is rebuilt from a
   * fresh client every `retryMs` until it runs again.
   */
  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = null;
      const old = this.consumer;
      this.consumer = null;
      await old?.disconnect().catch(() => {});
      if (this.stopping || !this.sink) return;
      try {
        await this.run(this.sink);
        this.opts.logger?.info('Kafka consumer restarted');
      } catch (err) {
        this.opts.logger?.warn({ err: String(err) }, 'restarting the Kafka consumer failed; retrying');
        this.scheduleRestart();
      }
    }, this.opts.retryMs ?? 1_000);
  }

  private async run(sink: SampleSink): Promise<void> {
    const topics = this.opts.topic
      ? [this.opts.topic]
      : (this.opts.topics ?? [SAMPLES_TOPIC, REQUESTS_TOPIC]);
    const retryMs = this.opts.retryMs ?? 1_000;
    const log = this.opts.logger;
    const kafka = kafkaClient(this.opts.brokers, `${this.opts.groupId}-consumer`, log);
    for (const topic of topics) await ensureTopic(kafka, topic);
    const consumer = kafka.consumer({
      groupId: this.opts.groupId,
      // A member lost with a crashed consumer is dropped from the group after 10 s, not kafkajs's 30 s.
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1_000,
      // Past these retries the consumer crashes; it is then rebuilt from a fresh client (scheduleRestart),
      // which recovers from a broker restart where kafkajs's own in-place restart was seen to stall.
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 3_000, restartOnFailure: async () => false },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (e) => {
      this.opts.logger?.warn(
        { err: String(e.payload.error), restart: e.payload.restart },
        'Kafka consumer crashed',
      );
      this.scheduleRestart();
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: this.opts.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (batch.messages.length === 0) return;
        const samples: Sample[] = [];
        for (const m of batch.messages) {
          const s = parseSample(m.value);
          if (s) samples.push(s);
          else this.stats.malformed += 1;
        }
        for (let attempt = 1; ; attempt++) {
          if (!isRunning() || isStale() || this.stopping) return; // uncommitted: read again later
          try {
            await sink(samples);
            break;
          } catch (err) {
            this.stats.writeFailures += 1;
            if (attempt === 1 || attempt % 30 === 0)
              log?.warn(
                { err: String((err as Error)?.message ?? err), attempt, partition: batch.partition },
                'writing a sample batch to the store failed; retrying, offsets not committed',
              );
            await Bun.sleep(retryMs);
            await heartbeat().catch(() => {});
          }
        }
        this.stats.written += samples.length;
        resolveOffset(batch.lastOffset());
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        this.stats.commits += 1;
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.consumer?.disconnect().catch(() => {});
    this.consumer = null;
  }
}
