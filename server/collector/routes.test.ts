/** Collector routes through `app.request` (no network), over the in-memory store. */
import { describe, expect, test } from 'bun:test';
import { sample } from '../adapters/metrics-store.contract.ts';
import { MemoryMetricsStore } from '../adapters/metrics-store-memory.ts';
import { type CollectorStats, collectorRoutes, MAX_SAMPLES_PER_POST } from './routes.ts';

const TOKEN = 'collector-test-token-0123';

function setup() {
  const store = new MemoryMetricsStore();
  const stats: CollectorStats = { received: 0, lastWriteAt: null };
  const app = collectorRoutes({
    token: TOKEN,
    sink: (xs) => store.write(xs),
    stats,
    storeKind: 'memory',
    busKind: 'http',
    now: () => 42,
  });
  const post = (body: unknown, auth: string | null = `Bearer ${TOKEN}`) =>
    app.request('http://localhost/samples', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { store, stats, app, post };
}

describe('collector routes', () => {
  test('a valid batch with the token is stored and counted', async () => {
    const { store, stats, post } = setup();
    const res = await post({ samples: [sample('a', 1000, 30), sample('b', 1000, 50)] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2 });
    expect((await store.zoneCpu('zone1', 0, 2000)).avgCpu).toBe(40);
    expect(stats).toEqual({ received: 2, lastWriteAt: 42 });
  });

  test.each([
    ['no token', null],
    ['a wrong token', 'Bearer wrong-token-wrong-token'],
  ])('a batch with %s gets 401 and nothing is stored', async (_name, auth) => {
    const { store, post } = setup();
    const res = await post({ samples: [sample('a', 1000, 30)] }, auth);
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe('unauthorized');
    expect(await store.latest(0)).toEqual([]);
  });

  test.each([
    ['malformed JSON', '{"samples": ['],
    ['a missing samples field', {}],
    [
      'one bad sample among good ones',
      { samples: [sample('a', 1000, 30), { ...sample('b', 1000, 30), cpu: -1 }] },
    ],
    ['a bad zone id', { samples: [sample('a', 1000, 30, { zone: 'Zone 1!' })] }],
    ['an unknown scenario', { samples: [{ ...sample('a', 1000, 30), scenario: 'max' }] }],
    [
      'more than the maximum samples',
      { samples: Array.from({ length: MAX_SAMPLES_PER_POST + 1 }, (_, i) => sample('a', i, 1)) },
    ],
  ])('a batch with %s gets a 400 JSON error and nothing is stored', async (_name, body) => {
    const { store, post } = setup();
    const res = await post(body);
    expect(res.status).toBe(400);
    const err = await res.json();
    expect(err.error).toBe('bad_request');
    expect(typeof err.message).toBe('string');
    expect(await store.latest(0)).toEqual([]);
  });

  test('health check reports the store, bus and counters', async () => {
    const { app, post } = setup();
    await post({ samples: [sample('a', 1000, 30)] });
    const res = await app.request('http://localhost/health_check');
    expect(await res.json()).toEqual({
      status: 'ok',
      role: 'collector',
      store: 'memory',
      bus: 'http',
      received: 1,
      lastWriteAt: 42,
    });
  });

  test('openapi.json describes POST /samples', async () => {
    const { app } = setup();
    const doc = await (await app.request('http://localhost/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health_check', '/samples']));
  });
});
