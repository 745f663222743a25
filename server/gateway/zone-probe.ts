/**
 * The gateway's health probe of a zone balancer: `GET <balancer>/health_check` answered 2xx with
 * at least one alive server (`alive > 0`), or with `activation: 'activating'` — the zone is at zero
 * and its balancer holds requests while the leader starts a server (`proxy/activator.ts`), so
 * the zone is not failed over while it activates. A zone whose balancer is down, slow or has an
 * empty alive pool and is not activating is skipped, and its clients go to the next zone on the
 * ring (an idle zone at zero is therefore woken by traffic sent to its balancer, not through the
 * gateway). A balancer whose activation queue is full answers 503 `activation_queue_full`, which
 * fails over like `no_available_server`.
 */

import { detach, type UpstreamClient, UpstreamError, type UpstreamResponse } from '../http1/client/index.ts';
import type { Probe } from '../proxy/lb/health-checker.ts';

/** A zone balancer's own 503 errors that send the request to the next zone. */
const FAIL_OVER = /"(no_available_server|activation_queue_full)"/;

/** Probe: true when the balancer answers within `timeoutMs` and holds an alive server. Never throws. */
export const zoneProbe: Probe = async (url, timeoutMs) => {
  try {
    const res = await fetch(`${url}/health_check`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      return false;
    }
    const body = (await res.json()) as { alive?: unknown; activation?: unknown };
    return (typeof body.alive === 'number' && body.alive > 0) || body.activation === 'activating';
  } catch {
    return false;
  }
};

/**
 * An upstream client for the gateway's proxy: a zone balancer's own 503 `no_available_server`
 * becomes an `UpstreamError('connect-failure')`, which the proxy treats as a failed try — retried
 * on the next zone of the ring and counted towards ejecting that zone at once (outlier). Every
 * other answer, 5xx included, passes unchanged. Only 503 JSON bodies are read (they are small); the
 * body is read to its end, so the wrapped client finishes the exchange (`onDone`) itself.
 */
export function zoneClient(base: UpstreamClient): UpstreamClient {
  return {
    close: (origin) => base.close(origin),
    send(origin, req) {
      const done = (err: unknown, res: UpstreamResponse | null) => req.onAnswer(err, res);
      base.send(origin, {
        ...req,
        onDone: () => req.onDone(),
        onAnswer(err, got) {
          // A relayed 503 (its body not in one read) is no balancer's own small JSON: passed on.
          if (!got || got.status !== 503 || got.relay) {
            done(err, got);
            return;
          }
          const res = detach(got);
          const type = res.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
          if (!type.includes('application/json') || res.body === null) {
            done(null, res);
            return;
          }
          const body = res.body;
          const bytes = body instanceof Uint8Array ? Promise.resolve(body) : new Response(body).bytes();
          bytes.then(
            (b) =>
              FAIL_OVER.test(new TextDecoder().decode(b))
                ? done(
                    new UpstreamError('connect-failure', `zone balancer ${origin} has no available server`),
                    null,
                  )
                : done(null, { ...res, body: b }),
            (e: unknown) => done(e, null),
          );
        },
      });
    },
  };
}
