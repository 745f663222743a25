/**
 * What every request object of one forwarder shares: its dependencies and the settings derived
 * once from them (upstream client, overall deadline, retry budget, affinity-key source, the shared
 * pick context), the free list its request objects are recycled through, and the outlier
 * bookkeeping of a failed try.
 */

import { createUpstreamClient, type UpstreamClient } from '../http1/client/index.ts';
import { FreeList, type Recyclable } from '../shared/free-list.ts';
import type { ProxyDeps } from './forward-request.ts';
import { type HashKeySource } from './lb/affinity-key.ts';
import type { PickContext } from './lb/strategy.ts';
import { countTransitions } from './metrics.ts';
import type { TryOutcome } from './retries.ts';
import { RetryBudget } from './retry-budget.ts';

const CLIENT_KEY: HashKeySource = { kind: 'client' };

/** Finished request objects kept for reuse, per forwarder (beyond this many they are let go). */
const MAX_FREE = 1024;

/** What every `Forwarding` of one forwarder shares: its dependencies and derived settings. */
export class ForwarderState<F extends Recyclable> {
  readonly client: UpstreamClient;
  readonly deadlineMs: number;
  readonly budget: RetryBudget;
  readonly hashKey: HashKeySource;
  readonly needsKey: boolean;
  /** One pick context for strategies that read no per-request key (strategies never keep it). */
  readonly sharedCtx: PickContext;
  readonly pool: FreeList<F>;

  /** @param make a new request object of this forwarder (the pool's factory) */
  constructor(
    readonly d: ProxyDeps,
    make: (x: ForwarderState<F>) => F,
  ) {
    this.client = d.client ?? createUpstreamClient();
    this.deadlineMs = d.requestTimeoutMs ?? 30_000;
    this.budget = d.retryBudget ?? new RetryBudget();
    this.hashKey = d.hashKey ?? CLIENT_KEY;
    this.needsKey = d.strategy.name === 'consistent-hash';
    this.sharedCtx = { zone: d.zone, inFlightOf: (u) => d.pools.inFlightOf(u), rand: d.rand, cpuOf: d.cpuOf };
    this.pool = new FreeList<F>(
      () => make(this),
      MAX_FREE,
      () => d.log.error({}, 'forwarding released twice (refused)'),
    );
  }

  /** A failed try counts towards outlier ejection. */
  onServerFailure(url: string, outcome: TryOutcome, err: unknown): void {
    const d = this.d;
    const ts = d.pools.recordFailure(url, d.now());
    countTransitions(d.metrics, ts);
    if (ts.length > 0)
      d.log.warn({ upstream: url, outcome: outcome.kind, err: String(err) }, 'upstream ejected (outlier)');
    else d.log.debug({ upstream: url, outcome: outcome.kind }, 'upstream try failed');
  }
}
