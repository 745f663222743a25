/**
 * The forwarder's dependencies (`ProxyDeps`) and its access-log line. The contract it serves, one
 * client request in (`ForwardRequest`) and one answer out (`ForwardAnswer`) through a `Forwarder`,
 * is the front end's, in `http1/server/handler.ts`.
 */

import type { UpstreamClient } from '../http1/client/index.ts';
import type { Logger } from '../shared/logger.ts';
import type { Activator } from './activator.ts';
import type { HashKeySource } from './lb/affinity-key.ts';
import type { PinnedUpstreams } from './lb/pinned-upstream.ts';
import type { Pools } from './lb/pools.ts';
import type { Strategy } from './lb/strategy.ts';
import type { BalancerMetrics } from './metrics.ts';
import type { RequestStats } from './request-stats.ts';
import type { RetryBudget } from './retry-budget.ts';

/** Dependencies of the proxy, all injected. Times in ms, sizes in bytes. */
export interface ProxyDeps {
  zone: string;
  pools: Pools;
  strategy: Strategy;
  /** Tries per request (source design: 3). */
  tries: number;
  /** Timeout of one try until response headers, ms. */
  tryTimeoutMs: number;
  /** Overall deadline across all tries until response headers, ms (default 30 s). */
  requestTimeoutMs?: number;
  /** Bodies up to this size are buffered and retryable (default 1 MiB); larger ones stream once. */
  maxRetryBodyBytes?: number;
  /** Retry budget (default 20 % of requests in a 10 s window, at least 3). */
  retryBudget?: RetryBudget;
  /** Source of the consistent-hash affinity key (default: the client address). */
  hashKey?: HashKeySource;
  /** Reported CPU % of a server from its last health check (load-aware strategies). */
  cpuOf?: (url: string) => number | undefined;
  metrics: BalancerMetrics;
  /** Per-server request metrics of one-second windows (`request-stats.ts`); the zone balancer sets it. */
  requestStats?: RequestStats;
  log: Logger;
  now: () => number;
  rand: () => number;
  /** Called once per answered request when the access log is on (`--access-log`). */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Upstream client (the pooled raw-socket one by default; tests may inject `fetchClient(fake)`). */
  client?: UpstreamClient;
  /** Honour `x-zonescale-upstream` pins (`pinned-upstream.ts`); the zone balancer sets it, the gateway not. */
  pinned?: PinnedUpstreams;
  /** Holds requests while the zone has no alive server (`activator.ts`); the zone balancer sets it. */
  activator?: Activator;
}

/** One access-log line: the request, its answer, the server that gave it ('none': the balancer's own). */
export interface AccessLogEntry {
  method: string;
  /** Path and query as the client sent them. */
  target: string;
  status: number;
  upstream: string;
  /** From the request's arrival at the forwarder to its response head, ms. */
  ms: number;
  /** Servers tried (0 when none was available). */
  tries: number;
  /** Client address ('' when unknown). */
  client: string;
}
