/**
 * The data plane: every non-control request is proxied to an alive server chosen by the strategy,
 * through the pooled raw-socket upstream client (`upstream-client.ts`). Request bodies up to
 * `maxRetryBodyBytes` (1 MiB) are buffered so a try that fails to connect or times out is replayed
 * on a different server, up to `tries` (source design: 3), while the retry budget allows (20 % of
 * requests in 10 s) and within the overall deadline `requestTimeoutMs`; a larger body streams to one
 * server and is not retried. Any upstream response — a 500 included — is passed back as it is and
 * its body streams through. A failed try counts towards passive outlier ejection. No alive server →
 * 503 `no_available_server` — or, with an activator (the zone balancer at zero), the request is held
 * until a server is ready (`activator.ts`); every try failed → 502 (504 when the last try timed out). The forwarder
 * answers through a callback (no promise per request on the raw front end's hot path); a clean
 * upstream answer arrives as `raw` bytes valid only during that callback (`detach` keeps one).
 * Each request is one `Forwarding`, recycled through a `FreeList` with exactly one owner.
 */

import type { HeldRequest } from '../balancer/activator.ts';
import { affinityKey, type HashKeySource } from '../balancer/affinity-key.ts';
import { countTransitions } from '../balancer/metrics.ts';
import type { PickContext } from '../balancer/strategy.ts';
import {
  createUpstreamClient,
  type UpstreamClient,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../balancer/upstream-client.ts';
import type { ClientFault } from '../http1/server/request-body.ts';
import { NoAvailableServer } from '../shared/errors.ts';
import { FreeList, type Recyclable } from '../shared/free-list.ts';
import { UPSTREAM_PIN_HEADER } from '../shared/upstream-pin.ts';
import { isEventStream } from './event-stream.ts';
import type { ForwardAnswer, Forwarder, ForwardRequest, ProxyDeps } from './forward-request.ts';
import type { ServerRequestStats } from './request-stats.ts';
import { candidatesForTry, isServerFailure, shouldRetry, type TryOutcome } from './retries.ts';
import { RetryBudget } from './retry-budget.ts';

export type {
  AccessLogEntry,
  ForwardAnswer,
  Forwarder,
  ForwardRequest,
  ProxyDeps,
} from './forward-request.ts';

const JSON_HEADERS: [string, string][] = [['content-type', 'application/json;charset=utf-8']];
const utf8 = new TextEncoder();

/** The proxy's own JSON error as a `ForwardAnswer` (`{ error, message }`). */
export function errorAnswer(status: number, error: string, message: string): ForwardAnswer {
  return {
    status,
    statusText: '',
    headers: JSON_HEADERS,
    body: utf8.encode(JSON.stringify({ error, message })),
  };
}

const CLIENT_KEY: HashKeySource = { kind: 'client' };

/** A try timed out while the client was still sending its body: the client's slowness, not the server's. */
const SLOW_BODY: ClientFault = {
  status: 408,
  error: 'client_body_timeout',
  message: 'the request body was still arriving when the try timed out',
};

function isTimeout(err: unknown): boolean {
  return err instanceof UpstreamError && err.kind === 'timeout';
}

/** Finished request objects kept for reuse, per forwarder (beyond this many they are let go). */
const MAX_FREE = 1024;

/**
 * Builds the forwarder: picks a server, sends the request through the upstream client, retries a
 * replayable request that failed to connect or timed out on another server (budget and deadline
 * allowing), counts metrics and outliers, and answers 503/502/504/499 as the module comment says.
 */
export function createForwarder(d: ProxyDeps): Forwarder {
  const x = new ForwarderState(d);
  return (r, done) => x.pool.take().init(r, done).next();
}

/** What every `Forwarding` of one forwarder shares: its dependencies and derived settings. */
class ForwarderState {
  readonly client: UpstreamClient;
  readonly deadlineMs: number;
  readonly budget: RetryBudget;
  readonly hashKey: HashKeySource;
  readonly needsKey: boolean;
  /** One pick context for strategies that read no per-request key (strategies never keep it). */
  readonly sharedCtx: PickContext;
  readonly pool: FreeList<Forwarding>;

  constructor(readonly d: ProxyDeps) {
    this.client = d.client ?? createUpstreamClient();
    this.deadlineMs = d.requestTimeoutMs ?? 30_000;
    this.budget = d.retryBudget ?? new RetryBudget();
    this.hashKey = d.hashKey ?? CLIENT_KEY;
    this.needsKey = d.strategy.name === 'consistent-hash';
    this.sharedCtx = { zone: d.zone, inFlightOf: (u) => d.pools.inFlightOf(u), rand: d.rand, cpuOf: d.cpuOf };
    this.pool = new FreeList<Forwarding>(
      () => new Forwarding(this),
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

/**
 * One client request being forwarded: its retry state, and the `UpstreamRequest` of each of its
 * tries (tries run one after another, so one object per request serves them all). Owned by one
 * request from `pool.take()` until both its answer was given and its last try is over (`onDone`),
 * whichever comes last: then it is released, exactly once.
 */
class Forwarding implements UpstreamRequest, HeldRequest, Recyclable {
  constructor(private readonly x: ForwarderState) {
    this.ctx = x.sharedCtx;
  }

  released = false;
  generation = 0;
  method = '';
  target = '';
  head = '';
  hasHost = false;
  rawHead: Uint8Array | undefined = undefined;
  body: Uint8Array | ReadableStream<Uint8Array> | undefined = undefined;
  timeoutMs = 0;
  contentLength: number | undefined = undefined;
  relayChunked = false;
  /** The server of the current try. */
  private url = '';
  private attempt = 0;
  /** Servers tried so far: the first one as a string, a Set only once a retry happens. */
  private first: string | null = null;
  private tried: Set<string> | null = null;
  private last: TryOutcome | null = null;
  private started = 0;
  private now0 = 0;
  private tries = 0;
  private ctx: PickContext;
  /** The request's upstream pin, null when unpinned. */
  private pin: string | null = null;
  private r: ForwardRequest | null = null;
  private done: ((a: ForwardAnswer) => void) | null = null;
  /** `done` was called. */
  private answered = false;
  /** A try was sent and its `onDone` has not come yet. */
  private inFlight = false;
  /** The try is counted in the pool's in-flight requests (`acquire` done, `release` not yet). */
  private counted = false;
  /** The current try's server in the request metrics (`request-stats.ts`), when they are on. */
  private stats: ServerRequestStats | null = null;

  reset(): void {
    this.r = null;
    this.done = null;
    this.rawHead = undefined;
    this.body = undefined;
    this.contentLength = undefined;
    this.head = '';
    this.url = '';
    this.attempt = 0;
    this.first = null;
    this.tried = null;
    this.last = null;
    this.answered = false;
    this.inFlight = false;
    this.counted = false;
    this.stats = null;
    this.ctx = this.x.sharedCtx;
    this.pin = null;
  }

  /** Takes request `r` (on a fresh or reset object), answering through `done`. */
  init(r: ForwardRequest, done: (a: ForwardAnswer) => void): this {
    this.r = r;
    this.done = done;
    this.method = r.method;
    this.target = r.target;
    this.head = r.head;
    this.hasHost = r.hasHost;
    this.rawHead = r.rawHead;
    this.body = r.body;
    this.contentLength = r.contentLength;
    this.relayChunked = r.relayChunked === true;
    this.started = performance.now();
    this.now0 = this.x.d.now();
    this.tries = r.body instanceof ReadableStream ? 1 : this.x.d.tries;
    this.ctx = this.x.needsKey
      ? { ...this.x.sharedCtx, key: affinityKey(this.x.hashKey, r.header, r.clientIp) }
      : this.x.sharedCtx;
    this.pin = this.x.d.pinned ? r.header(UPSTREAM_PIN_HEADER) || null : null;
    this.x.budget.recordRequest(this.now0);
    return this;
  }

  /**
   * Answers the client once. `done` may end this ownership (the client's cancel of the body runs
   * `onDone`) and even start the next request on a reused object: after it, `this` is touched
   * only while `generation` is unchanged.
   */
  private answer(a: ForwardAnswer, upstream: string): void {
    if (this.answered) return;
    const done = this.done as (a: ForwardAnswer) => void;
    this.answered = true;
    if (this.x.d.accessLog)
      this.x.d.accessLog({
        method: this.method,
        target: this.target,
        status: a.status,
        upstream,
        ms: Math.round((performance.now() - this.started) * 100) / 100,
        tries: this.tried ? this.tried.size : this.first === null ? 0 : 1,
        client: this.r?.clientIp ?? '',
      });
    const gen = this.generation;
    done(a);
    if (this.generation === gen && !this.inFlight && !this.released) this.x.pool.release(this);
  }

  /** Starts the next try on a server not tried yet, or gives up. */
  next(): void {
    this.attempt += 1;
    const act = this.x.d.activator;
    // Requests held for activation go first: a newcomer queues behind them.
    if (act !== undefined && act.size !== 0 && this.attempt === 1 && this.pin === null) return act.hold(this);
    const alive = this.x.d.pools.alive();
    const candidates = this.tried ? candidatesForTry(alive, this.tried) : alive;
    if (candidates.length === 0 || this.attempt > this.tries) return this.giveUp();
    const left = this.attempt === 1 ? this.x.deadlineMs : this.now0 + this.x.deadlineMs - this.x.d.now();
    if (left <= 0) {
      this.last = { kind: 'timeout' };
      return this.giveUp();
    }
    const pinned = this.x.d.pinned;
    const url =
      this.pin === null || !pinned
        ? this.x.d.strategy.pick(candidates, this.ctx)
        : pinned.resolve(this.pin, candidates);
    if (url === null) return this.giveUp();
    if (this.first === null) this.first = url;
    else (this.tried ??= new Set([this.first])).add(url);
    this.url = url;
    this.timeoutMs = this.x.d.tryTimeoutMs < left ? this.x.d.tryTimeoutMs : left;
    this.x.d.pools.acquire(url);
    this.counted = true;
    this.stats = this.x.d.requestStats?.forServer(url) ?? null;
    this.stats?.begin(performance.now());
    this.inFlight = true;
    this.x.client.send(url, this);
  }

  /** Ends the try's count in the pool's in-flight requests, once. */
  private uncount(): void {
    if (!this.counted) return;
    this.counted = false;
    this.x.d.pools.release(this.url);
    this.stats?.end(performance.now());
  }

  onInformational(head: Uint8Array): void {
    if (!this.answered && !this.released) this.r?.onInformational?.(head);
  }

  onDone(): void {
    if (!this.inFlight || this.released) return;
    this.inFlight = false;
    this.uncount();
    if (this.answered) this.x.pool.release(this);
  }

  onAnswer(err: unknown, res: UpstreamResponse | null): void {
    if (this.answered || this.released) return;
    const url = this.url;
    if (res) {
      this.x.d.pools.recordSuccess(url, this.now0);
      const ms = performance.now() - this.started;
      this.x.d.metrics.observe(res.status, url, ms);
      this.stats?.answered(res.status, ms);
      if (res.body instanceof ReadableStream && isEventStream(res.headers)) this.uncount();
      this.answer(res, url);
      return;
    }
    const fault = this.r?.clientFault?.() ?? (isTimeout(err) && this.r?.bodyPending?.() ? SLOW_BODY : null);
    if (fault) {
      this.last = { kind: 'client-aborted' };
      const out = errorAnswer(fault.status, fault.error, fault.message);
      this.x.d.metrics.observe(out.status, 'none', performance.now() - this.started);
      this.answer(out, 'none');
      return;
    }
    const outcome: TryOutcome =
      err instanceof UpstreamError
        ? { kind: err.kind }
        : this.r?.aborted()
          ? { kind: 'client-aborted' }
          : { kind: 'connect-failure' };
    this.last = outcome;
    if (isServerFailure(outcome)) {
      this.x.onServerFailure(url, outcome, err);
      this.stats?.failed();
    }
    if (!shouldRetry(outcome, this.attempt, this.tries)) return this.giveUp();
    this.tried ??= new Set([url]);
    if (!this.x.budget.tryRetry(this.x.d.now())) {
      this.x.d.metrics.retriesRefused.inc();
      return this.giveUp();
    }
    this.x.d.metrics.retries.inc({ upstream: url });
    this.next();
  }

  /**
   * Held for activation: forwards the request now that a server is ready (`HeldRequest`). The hold
   * (bounded by the activation timeout) does not count towards the request's overall deadline.
   */
  resume(): void {
    this.attempt = 0;
    this.now0 = this.x.d.now();
    this.next();
  }

  /** Held for activation: answers the balancer's own error (`HeldRequest`). */
  reject(status: number, error: string, message: string, retryAfterS?: number): void {
    const out = errorAnswer(status, error, message);
    if (retryAfterS !== undefined) out.headers = [...out.headers, ['retry-after', String(retryAfterS)]];
    this.x.d.metrics.observe(out.status, 'none', performance.now() - this.started);
    this.answer(out, 'none');
  }

  /** Held for activation: the client went away (`HeldRequest`). */
  gone(): boolean {
    return this.released || this.answered || (this.r?.aborted() ?? true);
  }

  /** No (further) try: 503 without a server (held instead with an activator), 499 for a gone client, else 502/504. */
  private giveUp(): void {
    const last = this.last;
    const act = this.x.d.activator;
    if (last === null && this.first === null && this.pin === null && act?.accepts()) return act.hold(this);
    let out: ForwardAnswer;
    if (last === null && this.pin !== null)
      out = errorAnswer(
        503,
        'pinned_server_unavailable',
        `the pinned server is not alive in ${this.x.d.zone}`,
      );
    else if (last === null) {
      const e = new NoAvailableServer(this.x.d.zone);
      out = errorAnswer(e.status, e.code, e.message);
    } else if (last.kind === 'client-aborted')
      out = errorAnswer(499, 'client_closed', 'client closed the request');
    else {
      const timeout = last.kind === 'timeout';
      const names = this.tried ? [...this.tried] : this.first ? [this.first] : [];
      out = errorAnswer(
        timeout ? 504 : 502,
        timeout ? 'upstream_timeout' : 'bad_gateway',
        `${names.length} server(s) tried, none answered: ${names.join(', ')}`,
      );
    }
    this.x.d.metrics.observe(out.status, 'none', performance.now() - this.started);
    this.answer(out, 'none');
  }
}
