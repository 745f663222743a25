/**
 * The data plane: every non-control request is proxied to an alive server chosen by the strategy,
 * through the pooled raw-socket upstream client (`http1/client/`). Request bodies up to
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

import type { UpstreamRequest, UpstreamResponse } from '../http1/client/index.ts';
import {
  errorAnswer,
  type ForwardAnswer,
  type Forwarder,
  type ForwardRequest,
} from '../http1/server/handler.ts';
import { isEventStream } from '../http1/server/reply.ts';
import type { Recyclable } from '../shared/free-list.ts';
import { UPSTREAM_PIN_HEADER } from '../shared/upstream-pin.ts';
import type { HeldRequest } from './activator.ts';
import { giveUpAnswer, SLOW_BODY } from './answers.ts';
import type { ProxyDeps } from './forward-request.ts';
import { ForwarderState } from './forwarder-state.ts';
import { affinityKey } from './lb/affinity-key.ts';
import type { PickContext } from './lb/strategy.ts';
import type { ServerRequestStats } from './request-stats.ts';
import {
  candidatesForTry,
  failedTryOutcome,
  isServerFailure,
  isTryTimeout,
  shouldRetry,
  type TryOutcome,
} from './retries.ts';

export type { AccessLogEntry, ProxyDeps } from './forward-request.ts';

/**
 * Builds the forwarder: picks a server, sends the request through the upstream client, retries a
 * replayable request that failed to connect or timed out on another server (budget and deadline
 * allowing), counts metrics and outliers, and answers 503/502/504/499 as the module comment says.
 */
export function createForwarder(d: ProxyDeps): Forwarder {
  const x: ForwarderState<Forwarding> = new ForwarderState(d, (st) => new Forwarding(st));
  return (r, done) => x.pool.take().init(r, done).next();
}

/**
 * One client request being forwarded: its retry state, and the `UpstreamRequest` of each of its
 * tries (tries run one after another, so one object per request serves them all). Owned by one
 * request from `pool.take()` until both its answer was given and its last try is over (`onDone`),
 * whichever comes last: then it is released, exactly once.
 */
class Forwarding implements UpstreamRequest, HeldRequest, Recyclable {
  constructor(private readonly x: ForwarderState<Forwarding>) {
    this.ctx = x.sharedCtx;
  }

  released = false;
  generation = 0;
  method = '';
  target = '';
  head = '';
  hasHost = false;
  rawHead: Uint8Array | undefined = undefined;
  rawRequest: Uint8Array | undefined = undefined;
  body: Uint8Array | ReadableStream<Uint8Array> | undefined = undefined;
  timeoutMs = 0;
  contentLength: number | undefined = undefined;
  relayChunked = false;
  relayRaw = false;
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
    this.rawRequest = undefined;
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
    this.rawRequest = r.rawRequest;
    this.body = r.body;
    this.contentLength = r.contentLength;
    this.relayChunked = r.relayChunked === true;
    this.relayRaw = r.relayRaw === true;
    this.started = performance.now();
    this.now0 = this.x.d.now();
    this.tries = r.body instanceof ReadableStream ? 1 : this.x.d.tries;
    this.ctx = this.x.needsKey
      ? { ...this.x.sharedCtx, key: affinityKey(this.x.hashKey, r, r.clientIp) }
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
    const fault =
      this.r?.clientFault?.() ?? (isTryTimeout(err) && this.r?.bodyPending?.() ? SLOW_BODY : null);
    if (fault) {
      this.last = { kind: 'client-aborted' };
      const out = errorAnswer(fault.status, fault.error, fault.message);
      this.x.d.metrics.observe(out.status, 'none', performance.now() - this.started);
      this.answer(out, 'none');
      return;
    }
    const outcome = failedTryOutcome(err, this.r?.aborted() ?? false);
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
    const act = this.x.d.activator;
    if (this.last === null && this.first === null && this.pin === null && act?.accepts())
      return act.hold(this);
    const names = this.tried ? [...this.tried] : this.first ? [this.first] : [];
    const out = giveUpAnswer(this.last, this.pin !== null, this.x.d.zone, names);
    this.x.d.metrics.observe(out.status, 'none', performance.now() - this.started);
    this.answer(out, 'none');
  }
}
