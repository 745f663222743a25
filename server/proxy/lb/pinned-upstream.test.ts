/**
 * Upstream pins through the forwarder (round-robin zone, injected fetch): a pinned request reaches
 * its server every time and no other server ever; an unknown or gone pin is 503 and touches none.
 */
import { describe, expect, test } from 'bun:test';
import { startTestProxy } from '../../../test/support/test-proxy.ts';
import { UPSTREAM_PIN_HEADER, upstreamPin } from '../../shared/upstream-pin.ts';
import { PinnedUpstreams } from './pinned-upstream.ts';

const SERVERS = ['http://127.0.0.1:9101', 'http://127.0.0.1:9102', 'http://127.0.0.1:9103'];

function zone(refusing: string[] = [], pinned: PinnedUpstreams | null = new PinnedUpstreams()) {
  const reached: string[] = [];
  const fake = (async (input: string) => {
    const origin = new URL(input).origin;
    reached.push(origin);
    if (refusing.includes(origin)) throw Object.assign(new Error('refused'), { code: 'ConnectionRefused' });
    return new Response(origin, { headers: { connection: 'close' } });
  }) as unknown as typeof fetch;
  const { pools, proxy } = startTestProxy(SERVERS, fake, { now: () => 0, pinned: pinned ?? undefined });
  const send = (pin?: string) =>
    proxy(
      new Request('http://127.0.0.1:8001/scenario', {
        method: 'POST',
        body: '{"mode":"high"}',
        headers: pin ? { [UPSTREAM_PIN_HEADER]: pin } : {},
      }),
    );
  return { send, reached, pools };
}

describe('upstream pins', () => {
  test('the pin of a URL ignores a path and a trailing slash and differs between servers', () => {
    expect(upstreamPin('http://127.0.0.1:9101/')).toBe(upstreamPin('http://127.0.0.1:9101/x'));
    expect(new Set(SERVERS.map(upstreamPin)).size).toBe(3);
    expect(upstreamPin(SERVERS[0]!)).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test.each(SERVERS.map((s) => [s]))(
    'ten pinned requests in a round-robin zone all reach %s',
    async (server) => {
      const z = zone();
      for (let i = 0; i < 10; i++) expect(await (await z.send(upstreamPin(server))).text()).toBe(server);
      expect(z.reached).toEqual(Array(10).fill(server));
    },
  );

  test('unpinned requests still go round-robin', async () => {
    const z = zone();
    for (let i = 0; i < 3; i++) await z.send();
    expect(new Set(z.reached).size).toBe(3);
  });

  test.each([
    ['a pin of no server in the zone', upstreamPin('http://127.0.0.1:9999')],
    ['a malformed pin', 'not-a-pin'],
  ])('%s is 503 pinned_server_unavailable and reaches no server', async (_n, pin) => {
    const z = zone();
    const res = await z.send(pin);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('pinned_server_unavailable');
    expect(z.reached).toEqual([]);
  });

  test('a pinned server that left the alive pool is 503, not another server', async () => {
    const z = zone();
    z.pools.setStatus(SERVERS[1]!, false, 0);
    expect(z.pools.alive()).not.toContain(SERVERS[1]);
    const res = await z.send(upstreamPin(SERVERS[1]!));
    expect(res.status).toBe(503);
    expect(z.reached).toEqual([]);
  });

  test('a pinned server that refuses the connection is 502 and the call is not redispatched', async () => {
    const z = zone([SERVERS[0]!]);
    const res = await z.send(upstreamPin(SERVERS[0]!));
    expect(res.status).toBe(502);
    expect(z.reached).toEqual([SERVERS[0]!]);
  });

  test('without pinning (the gateway) the header is only passed on', async () => {
    const z = zone([], null);
    for (let i = 0; i < 3; i++) await z.send(upstreamPin(SERVERS[0]!));
    expect(new Set(z.reached).size).toBe(3);
  });
});
