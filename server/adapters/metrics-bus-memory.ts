/**
 * In-memory `MetricsPublisher` fake for unit tests: it keeps every published sample in order and,
 * when given a sink (e.g. a `MemoryMetricsStore`'s `write`), forwards each one at once, so a test
 * can wire app → bus → store without a network. `publish` never throws, even if the sink does.
 */
import type { Sample } from '../shared/types.ts';
import type { MetricsPublisher } from './metrics-bus.ts';

/** A publisher that records samples in `published` and optionally forwards them to `sink`. */
export class MemoryMetricsPublisher implements MetricsPublisher {
  /** Every sample published, oldest first. */
  readonly published: Sample[] = [];
  private closed = false;

  constructor(private readonly sink?: (samples: Sample[]) => Promise<void> | void) {}

  /** Records `sample` (a copy) and forwards it to the sink; sink errors are swallowed. */
  publish(sample: Sample): void {
    if (this.closed) return;
    const copy = { ...sample };
    this.published.push(copy);
    try {
      void Promise.resolve(this.sink?.([copy])).catch(() => {});
    } catch {
      // publish never throws (metrics-bus contract)
    }
  }

  /** Always 0: delivery is synchronous. */
  pending(): number {
    return 0;
  }

  /** Stops accepting samples. */
  async close(): Promise<void> {
    this.closed = true;
  }
}
