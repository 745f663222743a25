/**
 * The collector's input seam. With the embedded HTTP bus the samples arrive on `POST /samples`
 * (see `collector/routes.ts`), so no source runs; a bus adapter that must be pulled (Kafka) implements
 * `SampleSource` and hands every batch it consumes to the collector's sink.
 */
import type { Sample } from '../shared/types.ts';

/** Where the collector puts consumed samples (the metrics store's `write`, plus counters). */
export type SampleSink = (samples: Sample[]) => Promise<void>;

/** A pulled metrics-bus consumer (e.g. a Kafka consumer group). */
export interface SampleSource {
  /** Starts consuming; every batch goes to `sink`. Resolves once consuming has begun. */
  start(sink: SampleSink): Promise<void>;
  /** Stops consuming and releases connections; idempotent. */
  stop(): Promise<void>;
}
