/**
 * The proxy behind the full `Bun.serve` front (requests the raw front end tunnels there, e.g.
 * absolute-form targets): a `Request` becomes a `ForwardRequest` (its body buffered up to the
 * retry buffer, `body.ts`), goes through the same forwarder, and the answer becomes a `Response`.
 */

import { detach } from '../http1/client/index.ts';
import { forwardedHead, pathAndQuery } from '../http1/header-rules.ts';
import type { ForwardAnswer, ProxyPeer } from '../http1/server/handler.ts';
import { isEventStream } from '../http1/server/reply.ts';
import { readBodyUpTo } from './body.ts';
import type { ProxyDeps } from './forward-request.ts';
import { createForwarder } from './forwarder.ts';

/** A proxy handler: `(request, peer) → response`. */
export type ProxyHandler = (req: Request, peer?: ProxyPeer) => Promise<Response>;

/** JSON error response in the shared error body shape `{ error, message }`. */
export function errorResponse(status: number, error: string, message: string): Response {
  return Response.json({ error, message }, { status });
}

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
