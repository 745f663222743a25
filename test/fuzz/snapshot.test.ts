/**
 * The fuzz suite's state snapshot over real role APIs served on 127.0.0.1 (a balancer and a
 * gateway built by their own route modules, a stand-in monitor serving `/state`, `/containers`
 * and an app's `/health_check`): two readings of an untouched cluster agree, and each kind of
 * control change shows up in the diff while health-driven noise does not.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Server } from 'bun';
import { createBalancerApi } from '../../server/balancer/routes.ts';
import { createGatewayMetrics } from '../../server/gateway/metrics.ts';
import { createGatewayApi } from '../../server/gateway/routes.ts';
import { EMPTY_TABLE, type ZoneTable } from '../../server/gateway/zone-table.ts';
import { Pools } from '../../server/proxy/lb/pools.ts';
import { createBalancerMetrics } from '../../server/proxy/metrics.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { ClusterEvent, ClusterState, ContainerRecord } from '../../server/shared/types.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from '../../server/shared/upstream-allow.ts';
import { diffSnapshots, takeSnapshot } from './snapshot.ts';

const TOKEN = 'snapshot-test-token';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const APP = 'http://127.0.0.1:9101';
const servers: Server<undefined>[] = [];
const serve = (fetch: (r: Request) => Response | Promise<Response>) => {
  const s = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch });
  servers.push(s);
  return `http://127.0.0.1:${s.port}`;
};

let balancerUrl = '';
let gatewayUrl = '';
let monitorUrl = '';
let cpu = 1;
let scenario = 'off';
const events: ClusterEvent[] = [];
const event = (id: string, kind: ClusterEvent['kind']): ClusterEvent => ({
  id,
  ts: 1,
  kind,
  zone: 'zone1',
  reason: 'R',
  message: 'm',
  from: null,
  to: null,
  serverId: null,
  term: 1,
});

beforeAll(() => {
  const pools = new Pools({ checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 }, [APP], 0);
  let leader = { address: 'http://127.0.0.1:7001', term: 1 };
  const balancer = createBalancerApi({
    zone: 'zone1',
    strategy: 'round-robin',
    token: TOKEN,
    pools,
    leader: { get: () => leader, set: (m) => (leader = m) },
    metrics: createBalancerMetrics(pools, 'zone1'),
    now: () => Date.now(),
    log: silentLogger,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
  });
  balancerUrl = serve((r) => balancer.fetch(r));
  let table: ZoneTable = EMPTY_TABLE;
  const gwPools = new Pools({ checkIntervalMs: 1000, recheckIntervalMs: 1000, deadAfter: 1e9 });
  const gateway = createGatewayApi({
    token: TOKEN,
    affinity: 'client address',
    table: { get: () => table, set: (t) => (table = t) },
    pools: gwPools,
    metrics: createGatewayMetrics(gwPools, () => table),
    now: () => Date.now(),
    log: silentLogger,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
  });
  gatewayUrl = serve((r) => gateway.fetch(r));
  monitorUrl = serve((r) => {
    const path = new URL(r.url).pathname;
    const containers: ContainerRecord[] = [
      {
        id: 'zone1-balancer',
        role: 'balancer',
        zone: 'zone1',
        url: balancerUrl,
        port: 1,
        runtimeId: 'b',
        createdAt: 1,
      },
      // The app's /health_check is answered by this stand-in too.
      {
        id: 'zone1-app-1',
        role: 'app',
        zone: 'zone1',
        url: monitorUrl,
        port: 2,
        runtimeId: 'a',
        createdAt: 2,
      },
    ];
    if (path === '/containers') return Response.json({ containers });
    if (path === '/health_check') return Response.json({ status: 'ok', scenario });
    if (path === '/control/load') return Response.json({ run: null });
    const state = {
      leader: { id: 1, url: monitorUrl, term: 1, since: 0 },
      zones: [
        {
          zone: 'zone1',
          replicas: 1,
          balancer: { id: 'zone1-balancer', url: balancerUrl, status: 'up' },
          servers: [{ id: 'zone1-app-1', url: APP, createdAt: 2, scenario, cpu, state: 'alive' }],
          strayServers: [],
        },
      ],
      events,
    } as unknown as ClusterState;
    return Response.json(state);
  });
});

afterAll(() => {
  for (const s of servers) s.stop(true);
});

const snap = () => takeSnapshot([monitorUrl], gatewayUrl);

describe('the control-plane snapshot', () => {
  test('an untouched cluster reads the same twice, whatever its CPU and decision events do', async () => {
    const a = await snap();
    cpu = 99;
    events.unshift(event('d1', 'decision'));
    expect(diffSnapshots(a, await snap())).toEqual([]);
  });

  test("a balancer's pool change, a new term or leader address, and a gateway push each show up", async () => {
    const a = await snap();
    const put = (url: string, body: unknown) =>
      fetch(url, { method: 'PUT', headers: auth, body: JSON.stringify(body) }).then((r) => r.status);
    expect(await put(`${balancerUrl}/servers`, { add: ['http://127.0.0.1:9102'] })).toBe(200);
    const b = await snap();
    expect(diffSnapshots(a, b).join('\n')).toContain('balancers[0]');
    expect(await put(`${balancerUrl}/monitor`, { address: 'http://127.0.0.1:7002', term: 2 })).toBe(200);
    const c = await snap();
    expect(diffSnapshots(b, c).join('\n')).toContain('"term":2');
    expect(await put(`${gatewayUrl}/zones`, { zones: [{ zone: 'zone1', url: balancerUrl }], term: 2 })).toBe(
      200,
    );
    expect(diffSnapshots(c, await snap()).join('\n')).toContain('gateway');
  });

  test('a scenario switch and a new control event show up', async () => {
    const a = await snap();
    scenario = 'high';
    events.unshift(event('e1', 'remove-dead'));
    const diff = diffSnapshots(a, await snap()).join('\n');
    expect(diff).toContain('scenarios');
    expect(diff).toContain('new control event: e1 remove-dead');
  });
});
