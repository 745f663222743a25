/** Dead-pool reporting: sent with the token, dropped only on success. */
import { describe, expect, test } from 'bun:test';
import { Pools } from '../proxy/lb/pools.ts';
import { silentLogger } from '../shared/logger.ts';
import { reportDead } from './reporter.ts';

const A = 'http://127.0.0.1:9101';

function deadPools() {
  const p = new Pools({ checkIntervalMs: 1, recheckIntervalMs: 1, deadAfter: 1 }, [A], 0);
  p.setStatus(A, false, 1);
  p.setStatus(A, false, 2);
  return p;
}

function deps(pools: Pools, fetchImpl: typeof fetch, leader = 'http://127.0.0.1:7001') {
  return {
    zone: 'zone1',
    token: 'tok-0123456789abcdef',
    dead: () => pools.dead(),
    dropReported: (u: string[]) => pools.dropReported(u),
    leader: () => leader,
    log: silentLogger,
    fetch: fetchImpl,
  };
}

describe('reportDead', () => {
  test('sends PUT /report with zone, servers and the token, then drops them', async () => {
    const pools = deadPools();
    const sent: { url: string; init: RequestInit }[] = [];
    const f = (async (url: string, init: RequestInit) => {
      sent.push({ url, init });
      return new Response('{}');
    }) as unknown as typeof fetch;
    expect(await reportDead(deps(pools, f))).toEqual([A]);
    expect(sent[0]?.url).toBe('http://127.0.0.1:7001/report');
    expect(sent[0]?.init.method).toBe('PUT');
    expect(JSON.parse(String(sent[0]?.init.body))).toEqual({ zone: 'zone1', servers: [A] });
    expect((sent[0]?.init.headers as Record<string, string>).authorization).toBe(
      'Bearer tok-0123456789abcdef',
    );
    expect(pools.dead()).toEqual([]);
  });

  const failures: [string, typeof fetch][] = [
    ['the leader refuses it', (async () => new Response('{}', { status: 421 })) as unknown as typeof fetch],
    [
      'the leader is unreachable',
      (async () => {
        throw new Error('refused');
      }) as unknown as typeof fetch,
    ],
  ];
  for (const [name, f] of failures) {
    test(`keeps the dead pool when ${name}`, async () => {
      const pools = deadPools();
      expect(await reportDead(deps(pools, f))).toEqual([]);
      expect(pools.dead()).toEqual([A]);
    });
  }

  test('keeps the dead pool and sends nothing when no leader is known', async () => {
    const pools = deadPools();
    let called = false;
    const f = (async () => ((called = true), new Response('{}'))) as unknown as typeof fetch;
    expect(await reportDead(deps(pools, f, ''))).toEqual([]);
    expect(called).toBe(false);
    expect(pools.dead()).toEqual([A]);
  });

  test('sends nothing when the dead pool is empty', async () => {
    const pools = new Pools({ checkIntervalMs: 1, recheckIntervalMs: 1, deadAfter: 1 }, [A], 0);
    let called = false;
    const f = (async () => ((called = true), new Response('{}'))) as unknown as typeof fetch;
    await reportDead(deps(pools, f));
    expect(called).toBe(false);
  });
});
