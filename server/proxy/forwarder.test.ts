/**
 * Proxy behaviour with an injected fetch: which servers are tried, what is retried, what the client
 * gets. The callback form the raw front end uses, and the access log: `forwarder-callback.test.ts`.
 */
import { describe, expect, test } from 'bun:test';
import { startTestProxy } from '../../test/support/test-proxy.ts';
import { RetryBudget } from './retry-budget.ts';

const A = 'http://127.0.0.1:9101';
const B = 'http://127.0.0.1:9102';
const C = 'http://127.0.0.1:9103';

type Behaviour = 'ok' | 'refuse' | '500' | 'hang' | 'sse';

function setup(
  behaviour: Record<string, Behaviour>,
  opts: {
    tries?: number;
    tryTimeoutMs?: number;
    requestTimeoutMs?: number;
    retryBudget?: RetryBudget;
    now?: () => number;
  } = {},
) {
  const calls: { url: string; body: string | null; headers: Headers }[] = [];
  const fakeFetch = (async (input: string, init: RequestInit & { signal: AbortSignal }) => {
    const origin = new URL(input).origin;
    calls.push({
      url: input,
      body:
        init.body instanceof Uint8Array ? new TextDecoder().decode(init.body) : init.body ? 'stream' : null,
      headers: new Headers(init.headers),
    });
    switch (behaviour[origin]) {
      case 'refuse':
        throw Object.assign(new Error('Unable to connect'), { code: 'ConnectionRefused' });
      case '500':
        return new Response('upstream broke', { status: 500 });
      case 'sse':
        return new Response(
          new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('data: {}\n\n'));
            },
          }),
          { headers: { 'content-type': 'text/event-stream; charset=utf-8' } },
        );
      case 'hang':
        return new Promise((_, reject) =>
          init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        );
      default:
        return new Response(`hello from ${origin}`, {
          headers: { 'x-upstream': origin, connection: 'close' },
        });
    }
  }) as unknown as typeof fetch;
  const { pools, proxy, metrics } = startTestProxy(Object.keys(behaviour), fakeFetch, {
    tries: opts.tries ?? 3,
    tryTimeoutMs: opts.tryTimeoutMs ?? 1_000,
    requestTimeoutMs: opts.requestTimeoutMs,
    retryBudget: opts.retryBudget,
    now: opts.now ?? (() => 1_234),
  });
  return { pools, calls, proxy, metrics };
}

const req = (path = '/work?ms=1', init?: RequestInit) => new Request(`http://127.0.0.1:8001${path}`, init);

describe('proxy', () => {
  test('forwards path and query to the picked server and streams the answer back', async () => {
    const { proxy, calls } = setup({ [A]: 'ok' });
    const res = await proxy(req());
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`hello from ${A}`);
    expect(res.headers.get('connection')).toBeNull();
    expect(calls.map((c) => c.url)).toEqual([`${A}/work?ms=1`]);
  });

  test('a refused connection is retried on a different server and the body is replayed', async () => {
    const { proxy, calls, pools } = setup({ [A]: 'refuse', [B]: 'ok', [C]: 'ok' });
    const res = await proxy(req('/echo', { method: 'POST', body: 'abc' }));
    expect(res.status).toBe(200);
    expect(calls.map((c) => c.body)).toEqual(['abc', 'abc']);
    expect(new URL(calls[0]!.url).origin).toBe(A);
    expect([B, C]).toContain(new URL(calls[1]!.url).origin);
    expect(pools.stateOf(A)).toBe('disconnected');
    expect(pools.view().disconnected[0]?.since).toBe(1_234);
  });

  test('an upstream 500 is passed back and not retried', async () => {
    const { proxy, calls, pools } = setup({ [A]: '500', [B]: 'ok' });
    const res = await proxy(req());
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('upstream broke');
    expect(calls.length).toBe(1);
    expect(pools.stateOf(A)).toBe('alive');
  });

  test('three failing servers are each tried once and the client gets 502', async () => {
    const { proxy, calls } = setup({
      [A]: 'refuse',
      [B]: 'refuse',
      [C]: 'refuse',
      'http://127.0.0.1:9104': 'refuse',
    });
    const res = await proxy(req());
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: string }).error).toBe('bad_gateway');
    const tried = calls.map((c) => new URL(c.url).origin);
    expect(tried.length).toBe(3);
    expect(new Set(tried).size).toBe(3);
  });

  test('a try that times out is retried elsewhere', async () => {
    const { proxy, calls, pools } = setup({ [A]: 'hang', [B]: 'ok' }, { tryTimeoutMs: 20 });
    const res = await proxy(req());
    expect(res.status).toBe(200);
    expect(calls.length).toBe(2);
    expect(pools.stateOf(A)).toBe('disconnected');
  });

  test('when the only server times out on every try the client gets 504', async () => {
    const { proxy } = setup({ [A]: 'hang' }, { tryTimeoutMs: 10, tries: 1 });
    const res = await proxy(req());
    expect(res.status).toBe(504);
  });

  test('with no alive server the client gets 503 no_available_server', async () => {
    const { proxy } = setup({});
    const res = await proxy(req());
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'no_available_server', message: 'no alive server in zone1' });
  });

  test('a body over 1 MiB is sent to one server only and not retried when that try fails', async () => {
    const { proxy, calls } = setup({ [A]: 'refuse', [B]: 'ok', [C]: 'ok' });
    const res = await proxy(req('/up', { method: 'POST', body: new Uint8Array(1024 * 1024 + 1) }));
    expect(res.status).toBe(502);
    expect(calls.map((c) => c.body)).toEqual(['stream']);
  });

  test('a spent retry budget stops retries: the client gets 502 after one try', async () => {
    const { proxy, calls, metrics } = setup(
      { [A]: 'refuse', [B]: 'refuse', [C]: 'refuse' },
      { retryBudget: new RetryBudget({ percent: 0, minRetries: 0 }) },
    );
    const res = await proxy(req());
    expect(res.status).toBe(502);
    expect(calls.length).toBe(1);
    expect(await metrics.registry.getSingleMetricAsString('balancer_retries_refused_total')).toContain(
      'balancer_retries_refused_total{zone="zone1"} 1',
    );
  });

  test('the overall deadline bounds all tries together', async () => {
    const { proxy, calls } = setup(
      { [A]: 'hang', [B]: 'hang', [C]: 'hang' },
      { tryTimeoutMs: 1_000, requestTimeoutMs: 30, now: Date.now },
    );
    const t0 = performance.now();
    const res = await proxy(req());
    expect(res.status).toBe(504);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(calls.length).toBe(1);
  });

  test('in-flight is counted until the response body is consumed', async () => {
    const { proxy, pools } = setup({ [A]: 'ok' });
    const res = await proxy(req());
    expect(pools.inFlightOf(A)).toBe(1);
    await res.text();
    expect(pools.inFlightOf(A)).toBe(0);
  });

  test('an open event stream is not a request in flight once its head arrived (a page is not load)', async () => {
    const { proxy, pools } = setup({ [A]: 'sse' });
    const res = await proxy(req('/stream'));
    expect(res.headers.get('content-type')).toStartWith('text/event-stream');
    expect(pools.inFlightOf(A)).toBe(0);
    expect(pools.totalInFlight()).toBe(0);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    await reader.cancel();
    expect(pools.inFlightOf(A)).toBe(0);
    expect(pools.totalInFlight()).toBe(0);
  });

  test('X-Forwarded headers are sent upstream and Host is not copied', async () => {
    const { proxy, calls } = setup({ [A]: 'ok' });
    await (
      await proxy(req('/', { headers: { host: 'zone1:8001' } }), {
        requestIP: () => ({ address: '127.0.0.5' }),
        timeout: () => {},
      })
    ).text();
    const h = calls[0]!.headers;
    expect(h.get('x-forwarded-for')).toBe('127.0.0.5');
    expect(h.get('x-forwarded-proto')).toBe('http');
    expect(h.get('host')).toBeNull();
  });
});
