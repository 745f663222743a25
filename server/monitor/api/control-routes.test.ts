import { describe, expect, test } from 'bun:test';
import type { startLoad } from '../../load/run.ts';
import { createApi } from '../../shared/api.ts';
import { silentLogger } from '../../shared/logger.ts';
import { originPolicy } from '../../shared/origin-guard.ts';
import type { ClusterState, ContainerRecord, ScenarioMode } from '../../shared/types.ts';
import { mountControlRoutes } from './control-routes.ts';
import { LoadController } from './load-controller.ts';
import { dashboardKey, injectPageKey } from './page-key.ts';

const TOKEN = 'control-routes-token-0123456789';
const KEY = dashboardKey(TOKEN);

const app = (id: string, zone: string, port: number): ContainerRecord => ({
  id,
  role: 'app',
  zone,
  url: `http://127.0.0.1:${port}`,
  port,
  runtimeId: '1',
  createdAt: 0,
});
const containers = [
  app('zone1-app-1', 'zone1', 9101),
  app('zone1-app-2', 'zone1', 9102),
  app('zone2-app-1', 'zone2', 9103),
];
const state = {
  zones: [{ zone: 'zone1', balancer: { id: 'b1', url: 'http://127.0.0.1:8001', status: 'up' } }],
  gateway: { url: 'http://127.0.0.1:7010' },
} as unknown as ClusterState;

function setup(failing: string[] = []) {
  const calls: string[] = [];
  const started: Parameters<typeof startLoad>[0][] = [];
  let running = false;
  const fakeStart = ((o: Parameters<typeof startLoad>[0]) => {
    started.push(o);
    running = true;
    const status = () => ({ running, targetUrl: o.targetUrl, rate: o.rate, durationS: o.durationS }) as never;
    let resolve!: (s: never) => void;
    const done = new Promise<never>((r) => (resolve = r));
    return {
      status,
      stop: () => {
        running = false;
        resolve(status());
      },
      done,
    };
  }) as typeof startLoad;
  const a = createApi();
  mountControlRoutes(a, {
    token: TOKEN,
    pageKey: KEY,
    registry: { containers: async () => containers },
    load: new LoadController(async () => state, silentLogger, fakeStart),
    log: silentLogger,
    origins: originPolicy(['http://127.0.0.1:7001', 'http://127.0.0.1:7002']),
    setScenario: async (url: string, mode: ScenarioMode) => {
      if (failing.includes(url)) throw new Error('refused');
      calls.push(`${url} ${mode}`);
    },
  });
  const send = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { 'x-dashboard-key': KEY },
  ) =>
    a.request(`http://localhost${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { send, calls, started };
}

describe('dashboard controls', () => {
  test('the page key is an HMAC of the token: stable across replicas, never the token itself', () => {
    expect(dashboardKey(TOKEN)).toBe(KEY);
    expect(KEY).not.toContain(TOKEN);
    expect(dashboardKey('another-token-0123456789')).not.toBe(KEY);
    expect(injectPageKey('<html><head></head></html>', 'k<')).toBe(
      '<html><head><script>window.__ZONESCALE_DASHBOARD__={"key":"k\\u003c"}</script></head></html>',
    );
  });

  test('High for a zone reaches every app server of that zone with the page key', async () => {
    const s = setup();
    const res = await s.send('POST', '/control/scenario', { zone: 'zone1', mode: 'high' });
    expect(res.status).toBe(200);
    expect((await res.json()).servers).toEqual([
      { id: 'zone1-app-1', ok: true },
      { id: 'zone1-app-2', ok: true },
    ]);
    expect(s.calls).toEqual(['http://127.0.0.1:9101 high', 'http://127.0.0.1:9102 high']);
  });

  test('Low for one server with the cluster token reaches only that server; a failing server is reported', async () => {
    const s = setup(['http://127.0.0.1:9103']);
    const ok = await s.send(
      'POST',
      '/control/scenario',
      { serverId: 'zone1-app-2', mode: 'low' },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(ok.status).toBe(200);
    expect(s.calls).toEqual(['http://127.0.0.1:9102 low']);
    const bad = await (
      await s.send('POST', '/control/scenario', { serverId: 'zone2-app-1', mode: 'off' })
    ).json();
    expect(bad.servers[0]).toMatchObject({ id: 'zone2-app-1', ok: false });
  });

  test.each([
    [{}, 'x-dashboard-key', 'wrong-key'],
    [{}, 'authorization', 'Bearer not-the-token-at-all-000'],
    [{}, 'x-nothing', ''],
  ])('a caller without the token or the page key gets 401 and nothing changes', async (_b, header, value) => {
    const s = setup();
    const res = await s.send(
      'POST',
      '/control/scenario',
      { zone: 'zone1', mode: 'high' },
      { [header]: value },
    );
    expect(res.status).toBe(401);
    const load = await s.send(
      'POST',
      '/control/load',
      { rate: 10, durationS: 5, target: 'gateway' },
      { [header]: value },
    );
    expect(load.status).toBe(401);
    expect(s.calls).toEqual([]);
    expect(s.started).toEqual([]);
  });

  test.each([
    [{ mode: 'high' }, 'exactly one'],
    [{ zone: 'zone1', serverId: 'x', mode: 'high' }, 'exactly one'],
    [{ zone: 'zone1', mode: 'max' }, 'mode'],
  ])('a bad scenario body %o gets 400 naming the problem', async (body, what) => {
    const s = setup();
    const res = await s.send('POST', '/control/scenario', body);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain(what);
    expect(s.calls).toEqual([]);
  });

  test('an unknown server or zone gets 404', async () => {
    const s = setup();
    expect((await s.send('POST', '/control/scenario', { serverId: 'nope', mode: 'high' })).status).toBe(404);
    expect((await s.send('POST', '/control/scenario', { zone: 'zone9', mode: 'high' })).status).toBe(404);
  });

  test('a load run starts against the resolved target, shows while running, refuses a second one, and stops', async () => {
    const s = setup();
    const res = await s.send('POST', '/control/load', { rate: 40, durationS: 60, target: 'zone1' });
    expect(res.status).toBe(202);
    expect(s.started[0]).toMatchObject({ targetUrl: 'http://127.0.0.1:8001', rate: 40, durationS: 60 });
    const view = await (await s.send('GET', '/control/load')).json();
    expect(view.run).toMatchObject({ running: true, target: 'zone1' });
    expect((await s.send('POST', '/control/load', { rate: 1, durationS: 1, target: 'gateway' })).status).toBe(
      409,
    );
    const stopped = await (await s.send('DELETE', '/control/load')).json();
    expect(stopped.run.running).toBe(false);
    const again = await s.send('POST', '/control/load', { rate: 5, durationS: 1, target: 'gateway' });
    expect(again.status).toBe(202);
    expect(s.started[1]!.targetUrl).toBe('http://127.0.0.1:7010');
  });

  test.each([
    [{ rate: 501, durationS: 10, target: 'gateway' }, 'rate'],
    [{ rate: 10, durationS: 301, target: 'gateway' }, 'durationS'],
    [{ rate: 10, durationS: 10, target: 'Zone 1' }, 'target'],
    [{ rate: 10, durationS: 10, target: 'gateway', path: 'http://evil' }, 'path'],
  ])('an out-of-bounds load %o gets 400 naming %s and starts nothing', async (body, what) => {
    const s = setup();
    const res = await s.send('POST', '/control/load', body);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain(what);
    expect(s.started).toEqual([]);
  });

  test('a load to a zone the cluster does not have gets 400 bad_target', async () => {
    const s = setup();
    const res = await s.send('POST', '/control/load', { rate: 10, durationS: 10, target: 'zone7' });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('bad_target');
  });

  const KEYED = { 'x-dashboard-key': KEY };
  const BEARER = { authorization: `Bearer ${TOKEN}` };
  // Header sets a browser (or curl) sends, and whether the keyed call may go on.
  const CALLS: [string, number, Record<string, string>][] = [
    [
      'the dashboard on this replica',
      200,
      { origin: 'http://127.0.0.1:7001', 'sec-fetch-site': 'same-origin' },
    ],
    [
      'the dashboard on another replica',
      200,
      { origin: 'http://127.0.0.1:7002', 'sec-fetch-site': 'same-site' },
    ],
    [
      'the dashboard opened as localhost',
      200,
      { origin: 'http://localhost:7002', 'sec-fetch-site': 'cross-site' },
    ],
    ['curl (no Origin, no Sec-Fetch-Site)', 200, {}],
    ['a page on another local port', 403, { origin: 'http://127.0.0.1:5555', 'sec-fetch-site': 'same-site' }],
    ['another web site', 403, { origin: 'https://evil.example.com', 'sec-fetch-site': 'cross-site' }],
    ['a sandboxed frame (Origin: null)', 403, { origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['a cross-site call without Origin', 403, { 'sec-fetch-site': 'cross-site' }],
    [
      'a DNS-rebound page (same origin, foreign name)',
      403,
      {
        host: 'rebind.example.com:7001',
        origin: 'http://rebind.example.com:7001',
        'sec-fetch-site': 'same-origin',
      },
    ],
    ['an untrusted Host with no Origin', 403, { host: 'rebind.example.com:7001' }],
  ];

  test.each(CALLS)(
    'POST /control/scenario from %s with the page key answers %i',
    async (_n, status, headers) => {
      const s = setup();
      const res = await s.send(
        'POST',
        '/control/scenario',
        { zone: 'zone1', mode: 'high' },
        { ...KEYED, ...headers },
      );
      expect(res.status).toBe(status);
      expect(res.headers.get('access-control-allow-origin')).toBe(
        status === 200 ? (headers.origin ?? null) : null,
      );
      expect(s.calls.length).toBe(status === 200 ? 2 : 0);
    },
  );

  test.each(CALLS)('POST /control/load from %s with the page key answers %i', async (_n, status, headers) => {
    const s = setup();
    const res = await s.send(
      'POST',
      '/control/load',
      { rate: 500, durationS: 300, target: 'gateway' },
      { ...KEYED, ...headers },
    );
    expect(res.status).toBe(status === 200 ? 202 : status);
    expect(s.started.length).toBe(status === 200 ? 1 : 0);
  });

  test.each(CALLS)(
    'DELETE /control/load from %s with the cluster token answers %i',
    async (_n, status, headers) => {
      const s = setup();
      await s.send('POST', '/control/load', { rate: 10, durationS: 10, target: 'gateway' });
      const res = await s.send('DELETE', '/control/load', undefined, { ...BEARER, ...headers });
      expect(res.status).toBe(status);
    },
  );

  test.each([
    ['another replica', 'http://127.0.0.1:7002', 'http://127.0.0.1:7002'],
    ['a page on another local port', 'http://127.0.0.1:5555', null],
    ['another web site', 'https://evil.example.com', null],
  ])('a preflight from %s is answered with allow-origin %p', async (_n, origin, allowed) => {
    const s = setup();
    const res = await s.send('OPTIONS', '/control/load', undefined, {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-dashboard-key,content-type',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
    if (allowed) expect(res.headers.get('access-control-allow-headers')).toContain('x-dashboard-key');
  });
});
