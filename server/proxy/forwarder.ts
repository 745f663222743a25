/**
 * The data plane: every non-control request is proxied to an alive server chosen by the strategy,
 * through the pooled raw-socket upstream client (`upstream-client.ts`). Request bodies up to
 * `maxRetryBodyBytes` (1 MiB) are buffered so a try that fails to connect or times out is replayed
 * on a different server, up to `tries` (source design: 3), while the retry budget allows (20 % of
 * requests in 10 s) and within the overall deadline `requestTimeoutMs`; a larger body streams to one
 * server and is not retried. Any upstream response — a 500 included — is passed back as it is and
 * its body streams through. A failed try counts towards passive outlier ejection. No alive server →
 * 503 `no_available_server`; every try failed → 502 (504 when the last try timed out). The forwarder
 * answers through a callback (no promise per request on the raw front end's hot path); a clean
 * upstream answer arrives as `raw` bytes valid only during that callback (`detach` keeps one).
 */

import { affinityKey, type HashKeySource } from '../balancer/affinity-key.ts';
import { forwardedHead, pathAndQuery } from '../balancer/headers.ts';
import { type BalancerMetrics, countTransitions } from '../balancer/metrics.ts';
import type { Pools } from '../balancer/pools.ts';
import type { PickContext, Strategy } from '../balancer/strategy.ts';
import {
  createUpstreamClient,
  detach,
  type UpstreamClient,
  UpstreamError,
  type UpstreamRequest,
  type UpstreamResponse,
} from '../balancer/upstream-client.ts';
import type { ClientFault } from '../http1/server/request-body.ts';
import { NoAvailableServer } from '../shared/errors.ts';
import { FreeList, type Recyclable } from '../shared/free-list.ts';
import type { Logger } from '../shared/logger.ts';
import { readBodyUpTo } from './body.ts';
import { candidatesForTry, isServerFailure, shouldRetry, type TryOutcome } from './retries.ts';
import { RetryBudget } from './retry-budget.ts';

/** What the proxy needs from Bun's server: the client address and a per-request idle timeout. */
export interface ProxyPeer {
  requestIP(req: Request): { address: string } | null;
  timeout(req: Request, seconds: number): void;
}

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
  log: Logger;
  now: () => number;
  rand: () => number;
  /** Called once per answered request when the access log is on (`--access-log`). */
  accessLog?: (entry: AccessLogEntry) => void;
  /** Upstream client (the pooled raw-socket one by default; tests may inject `fetchClient(fake)`). */
  client?: UpstreamClient;
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

/** A proxy handler: `(request, peer) → response`. */
export type ProxyHandler = (req: Request, peer?: ProxyPeer) => Promise<Response>;

/** JSON error response in the shared error body shape `{ error, message }`. */
export function errorResponse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status });
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
  /** Buffered (replayable) body, a stream (sent once) or none. */
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
}

/**
 * What goes back to the client: an upstream response as it came, or the balancer's own JSON error.
 * `headers` are end-to-end, lower-case names, no framing headers — unless `raw` is set (a clean
 * upstream response as received, valid only during the `done` callback; see `UpstreamResponse`).
 */
export type ForwardAnswer = UpstreamResponse;

/** Forwards a request with retries; calls `done` exactly once (possibly before returning). */
export type Forwarder = (r: ForwardRequest, done: (a: ForwardAnswer) => void) => void;

const JSON_HEADERS: [string, string][] = [['content-type', 'application/json;charset=utf-8']];
const utf8 = new TextEncoder();

/** The balancer's own JSON error as a `ForwardAnswer` (`{ error, message }`). */
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

/** Builds the proxy handler (`Request` → `Response`) over `createForwarder(d)`. */
export function createProxy(d: ProxyDeps): ProxyHandler {
  const forward = createForwarder(d);
  const maxBody = d.maxRetryBodyBytes ?? 1024 * 1024;
  return async function proxy(req, peer) {
    const method = req.method;
    // GET and HEAD carry no body worth reading: skip the await (hot path).
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBodyUpTo(req, maxBody);
    const clientIp = peer?.requestIP(req)?.address ?? '';
    const url0 = req.url;
    const a = await new Promise<ForwardAnswer>((resolve) =>
      forward(
        {
          method,
          target: pathAndQuery(url0),
          head: forwardedHead(req.headers, clientIp, url0.charCodeAt(4) === 115 ? 'https' : 'http'),
          hasHost: req.headers.has('host'),
          body,
          clientIp,
          header: (n) => req.headers.get(n),
          aborted: () => req.signal.aborted,
        },
        (got) => resolve(detach(got)),
      ),
    );
    if (peer && a.body instanceof ReadableStream && isEventStream(a.headers)) peer.timeout(req, 0);
    return new Response(a.body as BodyInit | null, {
      status: a.status,
      statusText: a.statusText,
      headers: a.headers,
    });
  };
}

/**
 * Builds the forwarder: picks a server, sends the request through the upstream client, retries a
 * replayable request that failed to connect or timed out on another server (budget and deadline
 * allowing), counts metrics and outliers, and answers 503/502/504/499 as the module comment says.
 */
export function createForwarder(d: ProxyDeps): Forwarder {
  const client = d.client ?? createUpstreamClient();
  const deadlineMs = d.requestTimeoutMs ?? 30_000;
  const budget = d.retryBudget ?? new RetryBudget();
  const hashKey = d.hashKey ?? CLIENT_KEY;
  const needsKey = d.strategy.name === 'consistent-hash';
  const inFlightOf = (u: string) => d.pools.inFlightOf(u);
  // One pick context for strategies that read no per-request key (strategies never keep it).
  const sharedCtx: PickContext = { zone: d.zone, inFlightOf, rand: d.rand, cpuOf: d.cpuOf };

  const pool = new FreeList<Forwarding>(
    () => new Forwarding(),
    MAX_FREE,
    () => d.log.error({}, 'forwarding released twice (refused)'),
  );

  /**
   * One client request being forwarded: its retry state, and the `UpstreamRequest` of each of its
   * tries (tries run one after another, so one object per request serves them all). Owned by one
   * request from `pool.take()` until both its answer was given and its last try is over (`onDone`),
   * whichever comes last: then it is released, exactly once.
   */
  class Forwarding implements UpstreamRequest, Recyclable {
    released = false;
    generation = 0;
    method = '';
    target = '';
    head = '';
    hasHost = false;
    rawHead: Uint8Array | undefined = undefined;
    body: Uint8Array | ReadableStream<Uint8Array> | undefined = undefined;
    timeoutMs = 0;
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
    private ctx: PickContext = sharedCtx;
    private r: ForwardRequest | null = null;
    private done: ((a: ForwardAnswer) => void) | null = null;
    /** `done` was called. */
    private answered = false;
    /** A try was sent and its `onDone` has not come yet. */
    private inFlight = false;

    reset(): void {
      this.r = null;
      this.done = null;
      this.rawHead = undefined;
      this.body = undefined;
      this.head = '';
      this.url = '';
      this.attempt = 0;
      this.first = null;
      this.tried = null;
      this.last = null;
      this.answered = false;
      this.inFlight = false;
      this.ctx = sharedCtx;
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
      this.started = performance.now();
      this.now0 = d.now();
      this.tries = r.body instanceof ReadableStream ? 1 : d.tries;
      this.ctx = needsKey ? { ...sharedCtx, key: affinityKey(hashKey, r.header, r.clientIp) } : sharedCtx;
      budget.recordRequest(this.now0);
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
      if (d.accessLog)
        d.accessLog({
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
      if (this.generation === gen && !this.inFlight && !this.released) pool.release(this);
    }

    /** Starts the next try on a server not tried yet, or gives up. */
    next(): void {
      this.attempt += 1;
      const alive = d.pools.alive();
      const candidates = this.tried ? candidatesForTry(alive, this.tried) : alive;
      if (candidates.length === 0 || this.attempt > this.tries) return this.giveUp();
      const left = this.attempt === 1 ? deadlineMs : this.now0 + deadlineMs - d.now();
      if (left <= 0) {
        this.last = { kind: 'timeout' };
        return this.giveUp();
      }
      const url = d.strategy.pick(candidates, this.ctx);
      if (this.first === null) this.first = url;
      else (this.tried ??= new Set([this.first])).add(url);
      this.url = url;
      this.timeoutMs = d.tryTimeoutMs < left ? d.tryTimeoutMs : left;
      d.pools.acquire(url);
      this.inFlight = true;
      client.send(url, this);
    }

    onDone(): void {
      if (!this.inFlight || this.released) return;
      this.inFlight = false;
      d.pools.release(this.url);
      if (this.answered) pool.release(this);
    }

    onAnswer(err: unknown, res: UpstreamResponse | null): void {
      if (this.answered || this.released) return;
      const url = this.url;
      if (res) {
        d.pools.recordSuccess(url, this.now0);
        d.metrics.observe(res.status, url, performance.now() - this.started);
        this.answer(res, url);
        return;
      }
      const fault = this.r?.clientFault?.() ?? (isTimeout(err) && this.r?.bodyPending?.() ? SLOW_BODY : null);
      if (fault) {
        this.last = { kind: 'client-aborted' };
        const out = errorAnswer(fault.status, fault.error, fault.message);
        d.metrics.observe(out.status, 'none', performance.now() - this.started);
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
      if (isServerFailure(outcome)) onServerFailure(url, outcome, err);
      if (!shouldRetry(outcome, this.attempt, this.tries)) return this.giveUp();
      this.tried ??= new Set([url]);
      if (!budget.tryRetry(d.now())) {
        d.metrics.retriesRefused.inc();
        return this.giveUp();
      }
      d.metrics.retries.inc({ upstream: url });
      this.next();
    }

    /** No (further) try: 503 without a server, 499 for a gone client, else 502/504. */
    private giveUp(): void {
      const last = this.last;
      let out: ForwardAnswer;
      if (last === null) {
        const e = new NoAvailableServer(d.zone);
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
      d.metrics.observe(out.status, 'none', performance.now() - this.started);
      this.answer(out, 'none');
    }
  }

  return (r, done) => pool.take().init(r, done).next();

  function onServerFailure(url: string, outcome: TryOutcome, err: unknown): void {
    const ts = d.pools.recordFailure(url, d.now());
    countTransitions(d.metrics, ts);
    if (ts.length > 0)
      d.log.warn({ upstream: url, outcome: outcome.kind, err: String(err) }, 'upstream ejected (outlier)');
    else d.log.debug({ upstream: url, outcome: outcome.kind }, 'upstream try failed');
  }
}

function isEventStream(headers: [string, string][]): boolean {
  for (const [k, v] of headers) if (k === 'content-type') return v.startsWith('text/event-stream');
  return false;
}
