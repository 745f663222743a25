/**
 * The shapes the forwarder shares with its front ends: one client request as a front end read it
 * (`ForwardRequest`), what goes back (`ForwardAnswer`: an upstream response, or the proxy's own JSON
 * error from `errorAnswer`), the callback-style `Forwarder`, and the forwarder's dependencies.
 */

import type { UpstreamClient, UpstreamResponse } from '../http1/client/index.ts';
import type { ClientFault } from '../http1/server/request-body.ts';
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

/** One client request as the forwarder needs it, whichever front end read it. */
export interface ForwardRequest {
  method: string;
  /** Path and query, e.g. `/work?ms=1`. */
  target: string;
  /** Header lines to send upstream (`forwardedHead`); unused when `rawHead` is set. */
  head: string;
  /** `head` holds the client's `Host` line (passed through); else the upstream's is sent. */
  hasHost: boolean;
  /** The whole upstream request head as bytes (`splicedRequestHead`), for a bodiless request. */
  rawHead?: Uint8Array;
  /**
   * The whole upstream request, head and buffered body, in one buffer (see `UpstreamRequest`):
   * `body` and `rawHead` are then unset, the body being the bytes after the head's blank line.
   */
  rawRequest?: Uint8Array;
  /** Buffered (replayable) body, a stream (sent once) or none (see `rawRequest`). */
  body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  clientIp: string;
  /** A request header by lower-case name (for the affinity key). */
  header(name: string): string | null | undefined;
  /** True once the client went away. */
  aborted(): boolean;
  /**
   * Set once the client failed its request body (stalled: 408, hung up: 499, bad framing: 400):
   * a try that fails then is the client's fault, answered with it, never counted against the
   * server and never retried.
   */
  clientFault?(): ClientFault | null;
  /** True while the client is still sending the request body (a try timing out then is its slowness). */
  bodyPending?(): boolean;
  /** Length of a stream `body` when the client declared it (sent with `content-length`), bytes. */
  contentLength?: number;
  /** Receives each interim 1xx head from the upstream (raw, validated; see `UpstreamRequest`). */
  onInformational?(head: Uint8Array): void;
  /** The client speaks HTTP/1.1: a streamed chunked answer may come framed (`UpstreamRequest`). */
  relayChunked?: boolean;
  /** The front end relays an answer's body as it arrives (`UpstreamRequest.relayRaw`, `RawRelay`). */
  relayRaw?: boolean;
}

/**
 * What goes back to the client: an upstream response as it came, or the balancer's own JSON error.
 * `headers` are end-to-end, lower-case names, no framing headers — unless `raw` is set (a clean
 * upstream response as received, valid only during the `done` callback; see `UpstreamResponse`).
 */
export type ForwardAnswer = UpstreamResponse;

/** Forwards a request with retries; calls `done` exactly once (possibly before returning). */
export type Forwarder = (r: ForwardRequest, done: (a: ForwardAnswer) => void) => void;
