/** Control API reads and `PUT /servers` (writes, validation, fencing), via `app.request` (no network). */
import { describe, expect, test } from 'bun:test';
import { A, B, balancerApiWorld, C } from '../../test/support/balancer-api.ts';
import { MAX_TERM } from '../shared/term.ts';
import { MAX_SERVERS_PER_CHANGE } from './schemas.ts';

const w = balancerApiWorld();
const { put, snapshot } = w;

describe('GET routes', () => {
  test('GET /health_check returns status and pool counts', async () => {
    w.pools.setStatus(B, false, 1_500);
    const res = await w.app.request('http://localhost/health_check');
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
    const res = await w.app.request('http://localhost/servers');
    expect(await res.json()).toEqual({ zone: 'zone1', servers: [A, B] });
  });

  test('GET /pools shows each pool with since and counters', async () => {
    w.pools.setStatus(B, false, 1_500);
    w.pools.acquire(A);
    const res = await w.app.request('http://localhost/pools');
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
    const res = await w.app.request('http://localhost/pools', {
      headers: { origin: 'http://127.0.0.1:5173' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  test('GET /metrics is Prometheus text with pool sizes', async () => {
    const res = await w.app.request('http://localhost/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toContain('balancer_pool_servers{pool="alive",zone="zone1"} 2');
  });

  test('GET /openapi.json describes PUT /servers', async () => {
    const doc = (await (await w.app.request('http://localhost/openapi.json')).json()) as {
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
    expect(w.pools.alive()).toEqual([B, C]);
  });

  test('adding a URL already present is a no-op and URLs are normalised to their origin', async () => {
    const res = await put('/servers', { add: [`${A}/`] });
    expect(res.status).toBe(200);
    expect(w.pools.view().alive[0]).toEqual({ url: A, inFlight: 0, since: 1_000 });
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
    expect(w.pools.alive()).toHaveLength(MAX_SERVERS_PER_CHANGE + 2);
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
    const view = (await (await w.app.request('http://localhost/pools')).json()) as { ids: unknown };
    expect(view.ids).toEqual({ [B]: 'zone1-app-2', [C]: 'zone1-app-3' });
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
    expect(w.leader.term).toBe(5);
    expect((await put('/servers', { add: [C], term: MAX_TERM })).status).toBe(200);
    expect(w.leader.term).toBe(MAX_TERM);
  });

  test('the current term is accepted and a newer one is adopted', async () => {
    expect((await put('/servers', { add: [C], term: 5 })).status).toBe(200);
    expect((await put('/servers', { remove: [C], term: 7 })).status).toBe(200);
    expect(w.leader).toEqual({ address: 'http://127.0.0.1:7001', term: 7 });
    expect((await put('/servers', { add: [C], term: 6 })).status).toBe(409);
  });
});
