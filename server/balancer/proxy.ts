/**
 * The data plane: every non-control request is proxied to an alive server chosen by the strategy.
 * The request body is buffered (≤ 1 MiB, else 413) so a try that fails to connect or times out
 * (`tryTimeoutMs`, connect + response headers) is replayed on a different server, up to `tries`
 * (source design: 3). Any upstream response — a 500 included — is passed back as it is, never
 * retried, and its body streams through. A failed try also ejects the server at once (passive
 * outlier detection). No alive server → 503 `no_available_server`; every try failed → 502
 * (504 when the last try timed out).
 */

import { NoAvailableServer, type ZonescaleError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { MAX_PROXY_BODY_BYTES, readBody, trackBody } from './body.ts';
import { clientResponseHeaders, pathAndQuery, upstreamRequestHeaders } from './headers.ts';
import { type BalancerMetrics, countTransitions } from './metrics.ts';
import type { Pools } from './pools.ts';
import {
  candidatesForTry,
  classifyFetchError,
  isServerFailure,
  shouldRetry,
  type TryOutcome,
} from './retry.ts';
import type { PickContext, Strategy } from './strategy.ts';

/** What the proxy needs from Bun's server: the client address and a per-request idle timeout. */
export interface ProxyPeer {
  requestIP(req: Request): { address: string } | null;
  timeout(req: Request, seconds: number): void;
}

/** Dependencies of the proxy, all injected. */
export interface ProxyDeps {
  zone: string;
  pools: Pools;
  strategy: Strategy;
  /** Tries per request (source design: 3). */
  tries: number;
  /** Timeout of one try until response headers, ms. */
  tryTimeoutMs: number;
  /** Request-body limit, bytes (default 1 MiB). */
  maxBodyBytes?: number;
  metrics: BalancerMetrics;
  log: Logger;
  now: () => number;
  rand: () => number;
  /** Upstream fetch (Bun's `fetch` by default; tests may inject one). */
  fetch?: typeof fetch;
  /**
   * The request's affinity key for consistent hashing (default: the client address). The gateway
   * uses it to key on a configured header.
   */
  affinityKey?: (req: Request, clientIp: string) => string | undefined;
}

/** A proxy handler: `(request, peer) → response`. */
export type ProxyHandler = (req: Request, peer?: ProxyPeer) => Promise<Response>;

/** JSON error response in the shared error body shape `{ error, message }`. */
export function errorResponse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status });
}

/** Builds the proxy handler. */
export function createProxy(d: ProxyDeps): ProxyHandler {
  const doFetch = d.fetch ?? fetch;
  const maxBody = d.maxBodyBytes ?? MAX_PROXY_BODY_BYTES;
  const baseCtx: PickContext = { zone: d.zone, inFlightOf: (u) => d.pools.inFlightOf(u), rand: d.rand };

  return async function proxy(req, peer) {
    const started = performance.now();
    const body = await readBody(req, maxBody);
    if (body === 'too-large')
      return finish(errorResponse(413, 'payload_too_large', `body exceeds ${maxBody} bytes`), 'none');
    const clientIp = peer?.requestIP(req)?.address ?? '';
    const headers = upstreamRequestHeaders(
      req.headers,
      clientIp,
      req.url.startsWith('https:') ? 'https' : 'http',
    );
    const target = pathAndQuery(req.url);
    const key = d.affinityKey ? d.affinityKey(req, clientIp) : clientIp;
    const ctx: PickContext = key ? { ...baseCtx, key } : baseCtx;
    const tried = new Set<string>();
    let last: TryOutcome | null = null;

    for (let attempt = 1; attempt <= d.tries; attempt++) {
      const candidates = candidatesForTry(d.pools.alive(), tried);
      if (candidates.length === 0) break;
      const url = d.strategy.pick(candidates, ctx);
      tried.add(url);
      d.pools.acquire(url);
      const ac = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, d.tryTimeoutMs);
      let res: Response;
      try {
        res = await doFetch(url + target, {
          method: req.method,
          headers,
          body,
          redirect: 'manual',
          decompress: false,
          signal: AbortSignal.any([req.signal, ac.signal]),
        });
      } catch (err) {
        clearTimeout(timer);
        d.pools.release(url);
        last = classifyFetchError(err, timedOut, req.signal.aborted);
        if (isServerFailure(last)) onServerFailure(url, last, err);
        if (!shouldRetry(last, attempt, d.tries)) break;
        d.metrics.retries.inc({ upstream: url });
        continue;
      }
      clearTimeout(timer);
      d.pools.recordSuccess(url);
      const out = clientResponseHeaders(res.headers);
      if (peer && out.get('content-type')?.startsWith('text/event-stream')) peer.timeout(req, 0);
      const stream = res.body ? trackBody(res.body, () => d.pools.release(url)) : null;
      if (!stream) d.pools.release(url);
      return finish(
        new Response(stream, { status: res.status, statusText: res.statusText, headers: out }),
        url,
      );
    }

    if (last === null) return finish(noServer(new NoAvailableServer(d.zone)), 'none');
    if (last.kind === 'client-aborted')
      return finish(errorResponse(499, 'client_closed', 'client closed the request'), 'none');
    const timeout = last.kind === 'timeout';
    return finish(
      errorResponse(
        timeout ? 504 : 502,
        timeout ? 'upstream_timeout' : 'bad_gateway',
        `${tried.size} server(s) tried, none answered: ${[...tried].join(', ')}`,
      ),
      'none',
    );

    function finish(res: Response, upstream: string): Response {
      d.metrics.requests.inc({ status: String(res.status), upstream });
      d.metrics.latency.observe(
        { status_class: `${Math.floor(res.status / 100)}xx` },
        (performance.now() - started) / 1000,
      );
      return res;
    }
  };

  function noServer(err: ZonescaleError): Response {
    return errorResponse(err.status, err.code, err.message);
  }

  function onServerFailure(url: string, outcome: TryOutcome, err: unknown): void {
    const ts = d.pools.recordFailure(url, d.now());
    countTransitions(d.metrics, ts);
    if (ts.length > 0)
      d.log.warn({ upstream: url, outcome: outcome.kind, err: String(err) }, 'upstream ejected (outlier)');
    else d.log.debug({ upstream: url, outcome: outcome.kind }, 'upstream try failed');
  }
}
