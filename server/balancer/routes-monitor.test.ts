/** Control API `/monitor`, oversized and malformed bodies, and slow start in the views, via `app.request`. */
import { describe, expect, test } from 'bun:test';
import { A, B, balancerApiWorld, C } from '../../test/support/balancer-api.ts';
import { slowStartWeight } from '../proxy/lb/strategies/slow-start.ts';
import { MAX_TERM } from '../shared/term.ts';
import { createBalancerApi } from './routes.ts';

const w = balancerApiWorld();
const { put, snapshot } = w;

describe('/monitor', () => {
  test('GET /monitor returns the leader and term', async () => {
    expect(await (await w.app.request('http://localhost/monitor')).json()).toEqual({
      address: 'http://127.0.0.1:7001',
      term: 5,
    });
  });

  test('PUT /monitor with a newer term replaces the leader', async () => {
    const res = await put('/monitor', { address: 'http://127.0.0.1:7002', term: 6 });
    expect(res.status).toBe(200);
    expect(w.leader).toEqual({ address: 'http://127.0.0.1:7002', term: 6 });
  });

  test('PUT /monitor with the same term and address is a no-op success', async () => {
    expect((await put('/monitor', { address: 'http://127.0.0.1:7001', term: 5 })).status).toBe(200);
    expect(w.leader).toEqual({ address: 'http://127.0.0.1:7001', term: 5 });
  });

  test('PUT /monitor with an older term gets 409 and changes nothing', async () => {
    const res = await put('/monitor', { address: 'http://127.0.0.1:7009', term: 4 });
    expect(res.status).toBe(409);
    expect(w.leader).toEqual({ address: 'http://127.0.0.1:7001', term: 5 });
  });

  test('PUT /monitor without the token gets 401 and changes nothing', async () => {
    expect((await put('/monitor', { address: 'http://127.0.0.1:7002', term: 9 }, null)).status).toBe(401);
    expect(w.leader.term).toBe(5);
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
      expect(w.leader).toEqual({ address: 'http://127.0.0.1:7001', term: 5 });
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
      ...w.options(),
      now: () => 3_000,
      slowStart: {
        windowMs,
        weightOf: (u, now) => slowStartWeight(w.pools.aliveSince(u), now, windowMs),
      },
      activation: () => ({ state: 'activating', held: 3, since: 2_500 }),
    });
    w.pools.add(C, 2_800);
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
