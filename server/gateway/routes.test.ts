import { describe, expect, test } from 'bun:test';
import { Pools } from '../proxy/lb/pools.ts';
import { silentLogger } from '../shared/logger.ts';
import { MAX_TERM } from '../shared/term.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from '../shared/upstream-allow.ts';
import { createGatewayMetrics } from './metrics.ts';
import { createGatewayApi } from './routes.ts';
import { EMPTY_TABLE, type ZoneTable } from './zone-table.ts';

const TOKEN = 'gateway-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

function setup() {
  let table: ZoneTable = EMPTY_TABLE;
  const pools = new Pools({ checkIntervalMs: 1000, recheckIntervalMs: 1000, deadAfter: 1e9 });
  const app = createGatewayApi({
    token: TOKEN,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
    affinity: 'client address',
    table: { get: () => table, set: (t) => (table = t) },
    pools,
    metrics: createGatewayMetrics(pools, () => table),
    now: () => 1_000,
    log: silentLogger,
  });
  const put = (body: unknown, headers: Record<string, string> = auth) =>
    app.request('http://localhost/zones', { method: 'PUT', headers, body: JSON.stringify(body) });
  return { app, pools, put, table: () => table };
}

const zones = [
  { zone: 'zone1', url: 'http://127.0.0.1:8001' },
  { zone: 'zone2', url: 'http://127.0.0.1:8002' },
];

describe('the gateway control API', () => {
  test("the leader's push sets the zones, which are then routable", async () => {
    const s = setup();
    const res = await s.put({ zones, term: 2 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.term).toBe(2);
    expect(body.zones.map((z: { zone: string; state: string }) => `${z.zone}:${z.state}`)).toEqual([
      'zone1:available',
      'zone2:available',
    ]);
    expect(s.pools.alive()).toEqual(['http://127.0.0.1:8001', 'http://127.0.0.1:8002']);
    const health = await (await s.app.request('http://localhost/health_check')).json();
    expect(health).toEqual({ status: 'ok', term: 2, zones: 2, available: ['zone1', 'zone2'] });
  });

  test('a push without the token gets 401 and changes nothing', async () => {
    const s = setup();
    const res = await s.put({ zones, term: 2 }, { 'content-type': 'application/json' });
    expect(res.status).toBe(401);
    expect(s.table().zones).toHaveLength(0);
  });

  test('a push with an older term gets 409 stale_term and changes nothing', async () => {
    const s = setup();
    await s.put({ zones, term: 5 });
    const res = await s.put({ zones: [], term: 4 });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toBe('stale_term');
    expect(s.table().zones).toHaveLength(2);
    expect(s.pools.alive()).toHaveLength(2);
  });

  test.each([
    [{ zones: [{ zone: 'zone1', url: 'not a url' }], term: 1 }, 'zones.0.url'],
    [{ zones: [{ zone: 'Zone 1', url: 'http://127.0.0.1:8001' }], term: 1 }, 'zones.0.zone'],
    [{ zones, term: -1 }, 'term'],
    [{ zones }, 'term'],
    [{ zones: [zones[0], zones[0]], term: 1 }, 'twice'],
    [{ zones, term: MAX_TERM + 1 }, `term: a term is an integer from 0 to ${MAX_TERM} (2^31 - 1)`],
    [{ zones, term: Number.MAX_SAFE_INTEGER }, `from 0 to ${MAX_TERM}`],
    [
      { zones: [{ zone: 'zone1', url: 'http://10.0.0.1:8001' }], term: 1 },
      'zones: http://10.0.0.1:8001 not in the allowed upstream networks',
    ],
    [
      { zones: [{ zone: 'zone1', url: 'http://example.com:8001' }], term: 1 },
      'not in the allowed upstream networks (127.0.0.0/8',
    ],
  ])('a bad push %o gets 400 naming %s and changes nothing', async (body, what) => {
    const s = setup();
    const res = await s.put(body);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain(what);
    expect(s.table().zones).toHaveLength(0);
  });

  test('a push at the bound itself is accepted', async () => {
    const s = setup();
    expect((await s.put({ zones, term: MAX_TERM })).status).toBe(200);
    expect(s.table().term).toBe(MAX_TERM);
  });

  test('a push that drops a zone removes its balancer from routing', async () => {
    const s = setup();
    await s.put({ zones, term: 1 });
    await s.put({ zones: zones.slice(1), term: 1 });
    expect(s.pools.alive()).toEqual(['http://127.0.0.1:8002']);
  });

  test('metrics are Prometheus text with the zones and the term', async () => {
    const s = setup();
    await s.put({ zones, term: 7 });
    s.pools.setStatus('http://127.0.0.1:8002', false, 2_000);
    const text = await (await s.app.request('http://localhost/metrics')).text();
    expect(text).toContain('gateway_zone_available{zone="zone1"} 1');
    expect(text).toContain('gateway_zone_available{zone="zone2"} 0');
    expect(text).toContain('gateway_term{zone="gateway"} 7');
  });

  test('the OpenAPI document describes PUT /zones with its token', async () => {
    const doc = await (await setup().app.request('http://localhost/openapi.json')).json();
    expect(doc.paths['/zones'].put.security).toEqual([{ clusterToken: [] }]);
  });
});
