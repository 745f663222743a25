/**
 * A zone balancer in-process in front of two Bun.serve upstreams, with an in-memory metrics bus:
 * each second it publishes one `balancer` sample per upstream server — keyed by the id the leader
 * named in `PUT /servers` `ids`, else by URL — with the requests/s, the time-weighted in-flight
 * mean, p50/p95/p99 to response head and the 5xx rate it measured, and shows them on `/metrics`.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { MemoryMetricsPublisher } from '../../server/adapters/metrics-bus-memory.ts';
import { startBalancer } from '../../server/balancer/start.ts';
import { BalancerConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import type { Sample } from '../../server/shared/types.ts';

const TOKEN = 'request-metrics-token-0123456789abcdef';
const ups: ReturnType<typeof Bun.serve>[] = [];
const publisher = new MemoryMetricsPublisher();
let balancer: RoleHandle;
const urlOf = (s: ReturnType<typeof Bun.serve>) => `http://127.0.0.1:${s.port}`;

beforeAll(async () => {
  for (let i = 0; i < 2; i++)
    ups.push(
      Bun.serve({
        hostname: '127.0.0.1',
        port: 0,
        async fetch(req) {
          const path = new URL(req.url).pathname;
          if (path === '/slow') await Bun.sleep(40);
          if (path === '/boom') return new Response('boom', { status: 500 });
          return new Response('ok');
        },
      }),
    );
  balancer = await startBalancer(
    {
      ...BalancerConfig.parse({ token: TOKEN, zone: 'zone1' }),
      host: '127.0.0.1',
      port: 0,
      servers: ups.map(urlOf),
      strategy: 'round-robin',
      checkIntervalMs: 200,
      recheckIntervalMs: 200,
      sampleIntervalMs: 250,
    },
    silentLogger,
    { publisher },
  );
});

afterAll(async () => {
  await balancer?.stop();
  for (const u of ups) u.stop(true);
});

test('per-server request samples carry rps, in-flight, latencies and the 5xx rate, keyed by the named id', async () => {
  const [a, b] = ups.map(urlOf) as [string, string];
  const put = await fetch(`${balancer.url}/servers`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ids: { [a]: 'zone1-app-1' } }),
  });
  expect(put.status).toBe(200);
  expect((await put.json()).ids).toEqual({ [a]: 'zone1-app-1' });
  publisher.published.length = 0;
  // 20 slow requests, 10 at a time (round-robin: 10 per server), then 4 answered 500.
  for (let round = 0; round < 2; round++)
    await Promise.all(Array.from({ length: 10 }, () => fetch(`${balancer.url}/slow`).then((r) => r.text())));
  await Promise.all(Array.from({ length: 4 }, () => fetch(`${balancer.url}/boom`).then((r) => r.text())));
  await Bun.sleep(600);
  const mine = (id: string) => publisher.published.filter((s): s is Sample => s.serverId === id);
  const named = mine('zone1-app-1');
  const unnamed = mine(b);
  expect(named.length).toBeGreaterThan(0);
  expect(unnamed.length).toBeGreaterThan(0);
  for (const list of [named, unnamed]) {
    const windowS = 0.25;
    const total = list.reduce((n, s) => n + (s.rps ?? 0) * windowS, 0);
    expect(Math.round(total)).toBe(12); // 10 slow + 2 boom per server
    expect(list.every((s) => s.source === 'balancer' && s.zone === 'zone1')).toBe(true);
    expect(list.at(-1)).toMatchObject({ rps: 0, inFlight: 0, p95Ms: null }); // idle since: zeros
    const slow = list.find((s) => (s.p95Ms ?? 0) >= 40);
    expect(slow?.p50Ms).toBeGreaterThanOrEqual(39);
    expect(slow?.inFlight).toBeGreaterThan(0);
    const errors = list.reduce((n, s) => n + (s.errorRate ?? 0) * (s.rps ?? 0) * windowS, 0);
    expect(Math.round(errors)).toBe(2);
  }
  const text = await (await fetch(`${balancer.url}/metrics`)).text();
  expect(text).toContain(`balancer_upstream_request_duration_seconds_count{upstream="${a}",zone="zone1"} 12`);
  expect(text).toContain(`balancer_upstream_requests_per_second{upstream="${b}",zone="zone1"} 0`);
  expect(text).toContain(`balancer_upstream_in_flight{upstream="${b}",zone="zone1"} 0`);
});
