/**
 * The forwarder with an activator (the zone balancer at zero), over an injected fetch: a request
 * that finds no alive server is held and answered by the server that joins, in order; a POST body
 * is replayed to it; a held request past the timeout or beyond the queue gets 503 with
 * `Retry-After` and a JSON error; without an activator (the gateway) nothing changes.
 */
import { describe, expect, test } from 'bun:test';
import { testProxyDeps } from '../../test/support/test-proxy.ts';
import { fetchClient } from '../../test/support/upstream-fetch.ts';
import { silentLogger } from '../shared/logger.ts';
import { Activator } from './activator.ts';
import { createProxy } from './fetch-proxy.ts';
import { Pools } from './lb/pools.ts';

const A = 'http://127.0.0.1:9101';

function setup(o: { maxQueue?: number; timeoutMs?: number } = {}) {
  const pools = new Pools({ checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 }, [], 0);
  const seen: string[] = [];
  let asks = 0;
  const fakeFetch = (async (input: string, init: RequestInit) => {
    const body = init.body instanceof Uint8Array ? new TextDecoder().decode(init.body) : '';
    seen.push(`${new URL(input).pathname}${body ? ` ${body}` : ''}`);
    return new Response(`served ${new URL(input).pathname}`);
  }) as unknown as typeof fetch;
  const activator = new Activator({
    zone: 'zone1',
    maxQueue: o.maxQueue ?? 100,
    timeoutMs: o.timeoutMs ?? 5_000,
    alive: () => pools.alive(),
    probe: async () => true,
    activate: async () => {
      asks++;
      return 'accepted';
    },
    hasLeader: () => true,
    now: Date.now,
    log: silentLogger,
    tickMs: 5,
  });
  const proxy = createProxy(
    testProxyDeps(pools, { now: Date.now, client: fetchClient(fakeFetch), activator }),
  );
  return { pools, proxy, seen, activator, asks: () => asks };
}

const req = (path: string, init?: RequestInit) => new Request(`http://127.0.0.1:8001${path}`, init);

describe('forwarder with an activator', () => {
  test('requests to a zone at zero are held, then answered 200 in order by the server that joins', async () => {
    const { pools, proxy, seen, activator, asks } = setup();
    const answers = [1, 2, 3].map((i) => proxy(req(`/work?i=${i}`)));
    const post = proxy(req('/echo', { method: 'POST', body: 'payload' }));
    await Bun.sleep(30);
    expect(activator.size).toBe(4);
    expect(seen).toEqual([]);
    expect(asks()).toBe(1);
    pools.add(A, Date.now());
    const res = await Promise.all([...answers, post]);
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await res[0]?.text()).toBe('served /work');
    expect(seen).toEqual(['/work', '/work', '/work', '/echo payload']);
  });

  test('a request held past the activation timeout gets 503 activation_timeout with Retry-After', async () => {
    const { proxy } = setup({ timeoutMs: 50 });
    const res = await proxy(req('/work'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: 'activation_timeout' });
  });

  test('beyond the activation queue a request gets 503 activation_queue_full with Retry-After at once', async () => {
    const { proxy, pools } = setup({ maxQueue: 2 });
    const held = [proxy(req('/a')), proxy(req('/b'))];
    const over = await proxy(req('/c'));
    expect(over.status).toBe(503);
    expect(over.headers.get('retry-after')).toBe('1');
    expect(await over.json()).toMatchObject({ error: 'activation_queue_full' });
    pools.add(A, Date.now());
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
  });
});
