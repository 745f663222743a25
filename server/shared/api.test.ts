/**
 * The shared API builder's request handling via `app.request`: a required JSON body that is missing,
 * and the declared answers to a body of another media type.
 */
import { describe, expect, test } from 'bun:test';
import { createRoute } from '@hono/zod-openapi';
import { createBalancerApi } from '../balancer/routes.ts';
import { Pools } from '../proxy/lb/pools.ts';
import { createBalancerMetrics } from '../proxy/metrics.ts';
import { createApi, jsonBody, jsonResponse, z } from './api.ts';
import { silentLogger } from './logger.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from './upstream-allow.ts';

function balancerApi() {
  const pools = new Pools(
    { checkIntervalMs: 10_000, recheckIntervalMs: 30_000, deadAfter: 3 },
    ['http://127.0.0.1:9101'],
    0,
  );
  let leader = { address: 'http://127.0.0.1:7001', term: 5 };
  const app = createBalancerApi({
    zone: 'zone1',
    strategy: 'round-robin',
    token: 'tok',
    pools,
    leader: { get: () => leader, set: (m) => (leader = m) },
    metrics: createBalancerMetrics(pools, 'zone1'),
    now: () => 1_000,
    log: silentLogger,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
  });
  return { app, state: () => JSON.stringify([pools.view(), leader]) };
}

describe('a required JSON body', () => {
  const AllOptional = z.object({ note: z.string().optional() }).strict();
  const build = () => {
    let calls = 0;
    const app = createApi();
    app.openapi(
      createRoute({
        method: 'put',
        path: '/thing',
        request: { body: jsonBody(AllOptional) },
        responses: { 200: jsonResponse(z.object({ ok: z.boolean() }), 'Changed') },
      }),
      (c) => {
        calls += 1;
        return c.json({ ok: true }, 200);
      },
    );
    return { app, calls: () => calls };
  };

  test('absent (no body, no Content-Type) is a 400 even when every field is optional, and the handler never runs', async () => {
    const { app, calls } = build();
    const res = await app.request('http://localhost/thing', { method: 'PUT' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'bad_request',
      message: expect.stringContaining('JSON body'),
    });
    expect(calls()).toBe(0);
  });

  test('present as {} with Content-Type: application/json is validated as usual', async () => {
    const { app, calls } = build();
    const res = await app.request('http://localhost/thing', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(200);
    expect(calls()).toBe(1);
  });

  test('found by the fuzz suite: PUT /servers to a balancer with the token and no body answered 200; now 400 and the pools are unchanged', async () => {
    const { app, state } = balancerApi();
    const before = state();
    const res = await app.request('http://localhost/servers', {
      method: 'PUT',
      headers: { authorization: 'Bearer tok' },
    });
    expect(res.status).toBe(400);
    expect(state()).toBe(before);
  });

  test('the 415 a body route answers to another media type is declared in /openapi.json (with 413)', async () => {
    const { app } = balancerApi();
    const res = await app.request('http://localhost/servers', {
      method: 'PUT',
      headers: { authorization: 'Bearer tok', 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    const doc = (await (await app.request('http://localhost/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/servers']!.put!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '409', '413', '415']),
    );
  });
});
