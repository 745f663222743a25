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
import { BufferedPublisher } from '../buffered-publisher.ts';

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

/** HTTP push publisher; buffering and batching come from `BufferedPublisher`. */
export class HttpMetricsPublisher extends BufferedPublisher {
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly doFetch: (url: string, init: RequestInit) => Promise<Response>;

  constructor(private readonly opts: HttpPublisherOptions) {
    super({
      maxBuffered: opts.maxBuffered ?? 600,
      maxBatch: opts.maxBatch ?? 1000,
      retryMs: null,
      what: 'metrics push to the collector',
      logger: opts.logger,
    });
    this.url = `${opts.collector.replace(/\/+$/, '')}/samples`;
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.doFetch = opts.fetch ?? ((u, i) => fetch(u, i));
  }

  /** POSTs one batch; 400/413/422 mean the collector refused it as malformed. @throws otherwise */
  protected async deliver(batch: Sample[]): Promise<'sent' | 'rejected'> {
    const res = await this.doFetch(this.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ samples: batch }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await res.arrayBuffer().catch(() => {});
    if (res.ok) return 'sent';
    if (res.status === 400 || res.status === 413 || res.status === 422) return 'rejected';
    throw new Error(`HTTP ${res.status}`);
  }
}
