/**
 * The metrics-bus capability, producer side: an app server publishes one sample a second and the
 * collector moves them into the metrics store. Real adapter: Kafka (`adapters/kafka`), keyed by
 * server id; embedded default: HTTP push to the collector's `POST /samples` (`adapters/http`);
 * fake: `metrics-bus-memory.ts`. `publish` never throws: a bus that is down buffers a bounded
 * number of samples and sends them when it returns (the bound is the adapter's to state). The
 * consumer side, a pulled source the collector drains (Kafka), is `sample-source.ts` beside it.
 */
import type { Sample } from '../shared/types.ts';

export interface MetricsPublisher {
  /** Queues a sample for delivery; never throws. */
  publish(sample: Sample): void;
  /** Samples waiting to be delivered. */
  pending(): number;
  /** Flushes what it can and releases connections. */
  close(): Promise<void>;
}
