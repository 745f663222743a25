/**
 * The upstreams and cluster token of the `balancer` integration suites: a small Bun.serve upstream
 * on an ephemeral port of 127.0.0.1 that counts its hits by path and answers `/health_check`,
 * `/boom` (a 500), `/echo` (the body, X-Forwarded-For and the `x-hop` header as JSON), `/hold` (parked until
 * released) and `/sse` (two events, the second behind a gate); anything else gets its id.
 */

/** The cluster token of the balancers and the fake monitor of these suites. */
export const TOKEN = 'balancer-it-token-0123456789abcdef';

/** Headers of an authorised JSON request to the control API. */
export const authHeaders = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

/** A running upstream and what it has seen. */
export interface Upstream {
  id: string;
  url: string;
  server: ReturnType<typeof Bun.serve>;
  hits: Map<string, number>;
  /** Resolvers of requests parked on `/hold`. */
  held: (() => void)[];
  /** Releases the second SSE event. */
  sseGate: { open: () => void; wait: Promise<void> };
}

function gate() {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

/** Starts upstream `id`; the caller stops it (`server.stop(true)`). */
export function startUpstream(id: string): Upstream {
  const up = { id, hits: new Map<string, number>(), held: [] as (() => void)[], sseGate: gate() } as Upstream;
  up.server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      up.hits.set(path, (up.hits.get(path) ?? 0) + 1);
      switch (path) {
        case '/health_check':
          return Response.json({ status: 'ok', id });
        case '/boom':
          return Response.json({ error: 'boom', id }, { status: 500 });
        case '/echo':
          return Response.json({
            id,
            body: await req.text(),
            xff: req.headers.get('x-forwarded-for'),
            conn: req.headers.get('x-hop'),
          });
        case '/hold':
          await new Promise<void>((r) => up.held.push(r));
          return new Response(`held by ${id}`);
        case '/sse': {
          const enc = new TextEncoder();
          const g = up.sseGate;
          const body = new ReadableStream({
            async start(ctrl) {
              ctrl.enqueue(enc.encode('data: one\n\n'));
              await g.wait;
              ctrl.enqueue(enc.encode('data: two\n\n'));
              ctrl.close();
            },
          });
          return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
        }
        default:
          return new Response(id);
      }
    },
  });
  up.url = `http://127.0.0.1:${up.server.port}`;
  return up;
}
