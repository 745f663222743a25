/**
 * What the Kafka producer and consumer share: the topic samples travel on and its partition count,
 * the kafkajs client (short timeouts so a broker that is down fails calls fast rather than hanging
 * them, its own log routed into our pino logger at debug level), and idempotent topic creation.
 * Samples are JSON values keyed by server id, so one server's samples stay in order on one partition.
 */
import { Kafka, type LogEntry, logLevel } from 'kafkajs';
import type { Logger } from '../../shared/logger.ts';
import { SAMPLES_TOPIC } from './topics.ts';

export { REQUESTS_TOPIC, SAMPLES_TOPIC } from './topics.ts';

/** Partitions of the samples topic: 3, one per default zone, so three collectors could share the load. */
export const SAMPLES_PARTITIONS = 3;

/** A kafkajs client on `brokers` (`host:port` list) named `clientId`. */
export function kafkaClient(brokers: string[], clientId: string, log?: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 2_000,
    requestTimeout: 10_000,
    retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 3 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        if (!log) return;
        // Debug only: while a broker is down kafkajs logs every retry; the adapters log one warning.
        const { message, ...rest } = entry;
        log.debug({ kafka: rest, level }, `kafka: ${message}`);
      },
  });
}

/** Creates `topic` with `partitions` partitions (replication 1) unless it exists. @throws kafkajs errors */
export async function ensureTopic(
  kafka: Kafka,
  topic = SAMPLES_TOPIC,
  partitions = SAMPLES_PARTITIONS,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
    }
  } finally {
    await admin.disconnect();
  }
}
