/**
 * Retries and outlier ejection in one zone balancer in-process (`startBalancer`), with active
 * checks out of the way (every 10 minutes): in front of a server that refuses connections and a
 * live Bun.serve upstream, a refused connection is retried on the live one and the refusing one is
 * ejected at once (both counted in `/metrics`); with no alive server left a request gets 503
 * `no_available_server`.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { startBalancer } from '../../server/balancer/start.ts';
import { BalancerConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import { authHeaders, startUpstream, TOKEN, type Upstream } from '../support/balancer-upstreams.ts';

describe('retries and outlier ejection, with active checks out of the way', () => {
  let slow: RoleHandle | undefined;
  let live: Upstream | undefined;
  afterAll(async () => {
    await slow?.stop();
    await live?.server.stop(true);
  });

  test('a refused connection is retried on another server and the refusing one is ejected at once', async () => {
    live = startUpstream('live');
    const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('x') });
    const refusing = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    slow = await startBalancer(
      {
        ...BalancerConfig.parse({ token: TOKEN, zone: 'zone2' }),
        token: TOKEN,
        host: '127.0.0.1',
        cluster: 'it',
        dataDir: '.zonescale',
        id: '',
        zone: 'zone2',
        port: 0,
        servers: [refusing, live.url],
        monitor: '',
        checkIntervalMs: 600_000,
        recheckIntervalMs: 600_000,
        deadAfter: 3,
        reportIntervalMs: 600_000,
        checkTimeoutMs: 200,
        tries: 3,
        tryTimeoutMs: 2_000,
        strategy: 'round-robin',
      },
      silentLogger,
    );
    for (let i = 0; i < 4; i++) expect((await fetch(`${slow.url}/x`)).status).toBe(200);
    expect(live.hits.get('/x')).toBe(4);
    const pools = (await (await fetch(`${slow.url}/pools`)).json()) as {
      alive: { url: string }[];
      disconnected: { url: string }[];
    };
    expect(pools.alive.map((s) => s.url)).toEqual([live.url]);
    expect(pools.disconnected.map((s) => s.url)).toEqual([refusing]);
    const metrics = await (await fetch(`${slow.url}/metrics`)).text();
    expect(metrics).toContain(`balancer_retries_total{upstream="${refusing}",zone="zone2"} 1`);
    expect(metrics).toContain(`balancer_outlier_ejections_total{upstream="${refusing}",zone="zone2"} 1`);
    expect(metrics).toContain(`balancer_requests_total{status="200",upstream="${live.url}",zone="zone2"} 4`);
  });

  test('with no alive server a request gets 503 no_available_server', async () => {
    await fetch(`${slow!.url}/servers`, {
      method: 'PUT',
      headers: authHeaders,
      body: JSON.stringify({ remove: [live!.url] }),
    });
    const res = await fetch(`${slow!.url}/anything`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('no_available_server');
  });
});
