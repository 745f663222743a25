/** Control API: reads, authenticated writes, validation and fencing, via `app.request` (no network). */
import { beforeEach, describe, expect, test } from 'bun:test';
import { Pools } from '../proxy/lb/pools.ts';
import { slowStartWeight } from '../proxy/lb/strategies/slow-start.ts';
import { createBalancerMetrics } from '../proxy/metrics.ts';
import { silentLogger } from '../shared/logger.ts';
import { MAX_TERM } from '../shared/term.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from '../shared/upstream-allow.ts';
import type { MonitorInfo } from './fencing.ts';
import { createBalancerApi } from './routes.ts';
import { MAX_SERVERS_PER_CHANGE } from './schemas.ts';

const TOKEN = 'test-token-0123456789abcdef';
const A = 'http://127.0.0.1:9101';
const B = 'http://127.0.0.1:9102';
const C = 'http://127.0.0.1:9103';

let pools: Pools;
let leader: MonitorInfo;
let app: ReturnType<typeof createBalancerApi>;
let serverIds: Map<string, string>;

beforeEach(() => {
  serverIds = new Map();
  pools = new Pools({ checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 }, [A, B], 1_000);
  leader = { address: 'http://127.0.0.1:7001', term: 5 };
  app = createBalancerApi({
    zone: 'zone1',
    strategy: 'round-robin',
    token: TOKEN,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
    pools,
    leader: { get: () => leader, set: (m) => (leader = m) },
    metrics: createBalancerMetrics(pools, 'zone1'),
    serverIds,
    now: () => 2_000,
    log: silentLogger,
  });
});

function put(path: string, body: unknown, token: string | null = TOKEN) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return app.request(`http://localhost${path}`, {
    method: 'PUT',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const snapshot = () => JSON.stringify({ view: pools.view(), leader, ids: [...serverIds] });

describe('GET routes', () => {
  test('GET /health_check returns status and pool counts', async () => {
    pools.setStatus(B, false, 1_500);
    const res = await app.request('http://localhost/health_check');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      zone: 'zone1',
      alive: 1,
      disconnected: 1,
      dead: 0,
      activation: 'off',
      held: 0,
    });
  });

  test('GET /servers lists the alive pool', async () => {
    const res = await app.request('http://localhost/servers');
    expect(await res.json()).toEqual({ zone: 'zone1', servers: [A, B] });
  });

  test('GET /pools shows each pool with since and counters', async () => {
    pools.setStatus(B, false, 1_500);
    pools.acquire(A);
    const res = await app.request('http://localhost/pools');
    expect(await res.json()).toEqual({
      zone: 'zone1',
      strategy: 'round-robin',
      term: 5,
      monitor: 'http://127.0.0.1:7001',
      slowStartMs: 0,
      activation: { state: 'off', held: 0, since: null },
      alive: [{ url: A, inFlight: 1, since: 1_000, weight: 100 }],
      disconnected: [{ url: B, failedRechecks: 0, since: 1_500 }],
      dead: [],
      ids: {},
    });
  });

  test('GET routes allow cross-origin reads', async () => {
    const res = await app.request('http://localhost/pools', { headers: { origin: 'http://127.0.0.1:5173' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('GET /metrics is Prometheus text with pool sizes', async () => {
    const res = await app.request('http://localhost/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('balancer_pool_servers{pool="alive",zone="zone1"} 2');
  });

  test('GET /openapi.json describes PUT /servers', async () => {
    const doc = (await (await app.request('http://localhost/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/servers', '/pools', '/monitor', '/health_check']),
    );
  });
});

describe('PUT /servers', () => {
  test('adds to alive and removes from any pool, returning the pools', async () => {
    const res = await put('/servers', { add: [C], remove: [A] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { alive: { url: string; since: number }[] };
    expect(body.alive).toEqual([
      { url: B, inFlight: 0, since: 1_000, weight: 100 },
      { url: C, inFlight: 0, since: 2_000, weight: 100 },
    ] as never);
    expect(pools.alive()).toEqual([B, C]);
  });

  test('adding a URL already present is a no-op and URLs are normalised to their origin', async () => {
    const res = await put('/servers', { add: [`${A}/`] });
    expect(res.status).toBe(200);
    expect(pools.view().alive[0]).toEqual({ url: A, inFlight: 0, since: 1_000 });
  });

  test.each([
    ['an empty object', {}],
    ['empty lists', { add: [], remove: [] }],
    ['a term alone', { term: 7 }],
  ])(
    '%s is an empty change: 400 naming it, and nothing changes (the term is not adopted)',
    async (_c, body) => {
      const before = snapshot();
      const res = await put('/servers', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain('an empty change');
      expect(snapshot()).toBe(before);
    },
  );

  const urls = (n: number) =>
    Array.from({ length: n }, (_, i) => `http://127.0.${Math.floor(i / 250)}.${(i % 250) + 1}:9100`);

  test(`${MAX_SERVERS_PER_CHANGE} URLs in one list are accepted`, async () => {
    expect((await put('/servers', { add: urls(MAX_SERVERS_PER_CHANGE) })).status).toBe(200);
    expect(pools.alive()).toHaveLength(MAX_SERVERS_PER_CHANGE + 2);
  });

  test.each(['add', 'remove'])(
    `one URL more than ${MAX_SERVERS_PER_CHANGE} in %s is 400 naming the bound`,
    async (key) => {
      const before = snapshot();
      const res = await put('/servers', { [key]: urls(MAX_SERVERS_PER_CHANGE + 1) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toContain(
        `at most ${MAX_SERVERS_PER_CHANGE} URLs`,
      );
      expect(snapshot()).toBe(before);
    },
  );

  test.each([
    ['another network', 'http://10.0.0.5:9101'],
    ['the cloud metadata address', 'http://169.254.169.254:8080'],
    ['a host name', 'http://example.com:8080'],
  ])('adding a server on %s is 400 upstream_not_allowed and changes nothing', async (_c, url) => {
    const before = snapshot();
    const res = await put('/servers', { add: [C, url], term: 6 });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: string; message: string };
    expect(json.error).toBe('upstream_not_allowed');
    expect(json.message).toContain(url);
    expect(json.message).toContain('127.0.0.0/8');
    expect(snapshot()).toBe(before);
  });

  test('without the token it answers 401 and changes nothing', async () => {
    const before = snapshot();
    const res = await put('/servers', { add: [C] }, null);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
    expect(snapshot()).toBe(before);
  });

  test('with a wrong token it answers 401 and changes nothing', async () => {
    const before = snapshot();
    expect((await put('/servers', { remove: [A] }, 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect(snapshot()).toBe(before);
  });

  const bad: [string, unknown][] = [
    ['malformed JSON', '{"add": ['],
    ['add is not an array', { add: C }],
    ['a URL without a port', { add: ['http://127.0.0.1'] }],
    ['a URL with a path', { add: ['http://127.0.0.1:9104/x'] }],
    ['not a URL', { add: ['banana'] }],
    ['a non-http URL', { remove: ['ftp://127.0.0.1:21'] }],
    ['duplicates within add', { add: [C, C] }],
    ['duplicates within remove after normalisation', { remove: [A, `${A}/`] }],
    ['a URL in both add and remove', { add: [C], remove: [C] }],
    ['an unknown field', { add: [C], drain: [A] }],
    ['a negative term', { add: [C], term: -1 }],
    ['a term above the bound', { add: [C], term: MAX_TERM + 1 }],
    ['a term of 2^53 - 1', { add: [C], term: Number.MAX_SAFE_INTEGER }],
    ['a JSON array body', [C]],
    ['ids keyed by a non-URL', { ids: { banana: 'zone1-app-1' } }],
    ['an empty server id', { ids: { [A]: '' } }],
    ['a server id that is not a string', { ids: { [A]: 7 } }],
  ];
  for (const [name, body] of bad) {
    test(`${name} gets 400 and changes nothing`, async () => {
      const before = snapshot();
      const res = await put('/servers', body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: string; message: string };
      expect(json.error).toBe('bad_request');
      expect(json.message.length).toBeGreaterThan(0);
      expect(snapshot()).toBe(before);
    });
  }

  test('ids name servers (normalised URLs), are shown on GET /pools and dropped with a removed server', async () => {
    const res = await put('/servers', {
      add: [C],
      ids: { [`${A}/`]: 'zone1-app-1', [C]: 'zone1-app-3' },
      term: 5,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ids: unknown }).ids).toEqual({ [A]: 'zone1-app-1', [C]: 'zone1-app-3' });
    expect((await put('/servers', { ids: { [B]: 'zone1-app-2' } })).status).toBe(200); // ids alone are a change
    await put('/servers', { remove: [A] });
    const pools = (await (await app.request('http://localhost/pools')).json()) as { ids: unknown };
    expect(pools.ids).toEqual({ [B]: 'zone1-app-2', [C]: 'zone1-app-3' });
  });

  test('a term older than the known one gets 409 stale_term and changes nothing', async () => {
    const before = snapshot();
    const res = await put('/servers', { add: [C], term: 4 });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe('stale_term');
    expect(snapshot()).toBe(before);
  });

  test('a term beyond the bound is 400 naming the bound, and the bound itself is accepted', async () => {
    const res = await put('/servers', { add: [C], term: MAX_TERM + 1 });
    expect(((await res.json()) as { message: string }).message).toContain(`${MAX_TERM} (2^31 - 1)`);
    expect(leader.term).toBe(5);
    expect((await put('/servers', { add: [C], term: MAX_TERM })).status).toBe(200);
    expect(leader.term).toBe(MAX_TERM);
  });

  test('the current term is accepted and a newer one is adopted', async () => {
    expect((await put('/servers', { add: [C], term: 5 })).status).toBe(200);
    expect((await put('/servers', { remove: [C], term: 7 })).status).toBe(200);
    expect(leader).toEqual({ address: 'http://127.0.0.1:7001', term: 7 });
    expect((await put('/servers', { add: [C], term: 6 })).status).toBe(409);
  });
});

describe('/monitor', () => {
  test('GET /monitor returns the leader and term', async () => {
    expect(await (await app.request('http://localhost/monitor')).json()).toEqual({
      address: 'http://127.0.0.1:7001',
      term: 5,
    });
  });

  test('PUT /monitor with a newer term replaces the leader', async () => {
    const res = await put('/monitor', { address: 'http://127.0.0.1:7002', term: 6 });
    expect(res.status).toBe(200);
    expect(leader).toEqual({ address: 'http://127.0.0.1:7002', term: 6 });
  });

  test('PUT /monitor with the same term and address is a no-op success', async () => {
    expect((await put('/monitor', { address: 'http://127.0.0.1:7001', term: 5 })).status).toBe(200);
    expect(leader).toEqual({ address: 'http://127.0.0.1:7001', term: 5 });
  });

  test('PUT /monitor with an older term gets 409 and changes nothing', async () => {
    const res = await put('/monitor', { address: 'http://127.0.0.1:7009', term: 4 });
    expect(res.status).toBe(409);
    expect(leader).toEqual({ address: 'http://127.0.0.1:7001', term: 5 });
  });

  test('PUT /monitor without the token gets 401 and changes nothing', async () => {
    expect((await put('/monitor', { address: 'http://127.0.0.1:7002', term: 9 }, null)).status).toBe(401);
    expect(leader.term).toBe(5);
  });

  const bad: [string, unknown][] = [
    ['an address that is not a URL', { address: 'leader', term: 6 }],
    ['a missing term', { address: 'http://127.0.0.1:7002' }],
    ['a fractional term', { address: 'http://127.0.0.1:7002', term: 6.5 }],
    ['an unknown field', { address: 'http://127.0.0.1:7002', term: 6, id: 2 }],
    ['a term above the bound', { address: 'http://127.0.0.1:7002', term: MAX_TERM + 1 }],
    ['a term of 2^53 - 1', { address: 'http://127.0.0.1:7002', term: Number.MAX_SAFE_INTEGER }],
    ['an address outside the allowed upstream networks', { address: 'http://10.9.9.9:7002', term: 6 }],
  ];
  for (const [name, body] of bad) {
    test(`PUT /monitor with ${name} gets 400 and changes nothing`, async () => {
      expect((await put('/monitor', body)).status).toBe(400);
      expect(leader).toEqual({ address: 'http://127.0.0.1:7001', term: 5 });
    });
  }
});

describe('oversized and malformed bodies', () => {
  const tenMiB = `{"add":["${'a'.repeat(10 * 1024 * 1024)}"]}`;
  test.each(['/servers', '/monitor'])(
    'PUT %s with a 10 MiB body gets 413 naming the limit and changes nothing',
    async (path) => {
      const before = snapshot();
      const res = await put(path, tenMiB);
      expect(res.status).toBe(413);
      const json = (await res.json()) as { error: string; message: string };
      expect(json.error).toBe('payload_too_large');
      expect(json.message).toMatch(/bytes/);
      expect(snapshot()).toBe(before);
    },
  );

  test.each(['/servers', '/monitor'])(
    'PUT %s with malformed JSON gets 400 and changes nothing',
    async (path) => {
      const before = snapshot();
      const res = await put(path, '{"add": [');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message.length).toBeGreaterThan(0);
      expect(snapshot()).toBe(before);
    },
  );
});

describe('slow start and activation in the views', () => {
  test("GET /pools shows each alive server's current slow-start weight and the window", async () => {
    const windowMs = 4_000;
    const a = createBalancerApi({
      zone: 'zone1',
      strategy: 'round-robin',
      token: TOKEN,
      upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
      pools,
      leader: { get: () => leader, set: (m) => (leader = m) },
      metrics: createBalancerMetrics(pools, 'zone1'),
      now: () => 3_000,
      log: silentLogger,
      slowStart: {
        windowMs,
        weightOf: (u, now) => slowStartWeight(pools.aliveSince(u), now, windowMs),
      },
      activation: () => ({ state: 'activating', held: 3, since: 2_500 }),
    });
    pools.add(C, 2_800);
    const body = (await (await a.request('http://localhost/pools')).json()) as {
      slowStartMs: number;
      alive: { url: string; weight: number }[];
      activation: unknown;
    };
    expect(body.slowStartMs).toBe(4_000);
    // A and B joined at 1 000 (2 s of 4 s: 50 %), C at 2 800 (0.2 s: the 10 % floor).
    expect(body.alive.map((s) => [s.url, s.weight])).toEqual([
      [A, 50],
      [B, 50],
      [C, 10],
    ]);
    expect(body.activation).toEqual({ state: 'activating', held: 3, since: 2_500 });
    const health = (await (await a.request('http://localhost/health_check')).json()) as Record<
      string,
      unknown
    >;
    expect(health.activation).toBe('activating');
    expect(health.held).toBe(3);
  });
});
