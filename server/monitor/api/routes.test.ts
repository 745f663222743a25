import { afterEach, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thresholdPolicy } from '../../../test/support/policies.ts';
import { MemoryRegistry } from '../../adapters/registry-memory.ts';
import { silentLogger } from '../../shared/logger.ts';
import { originPolicy } from '../../shared/origin-guard.ts';
import { MAX_TERM } from '../../shared/term.ts';
import type { ClusterState } from '../../shared/types.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from '../../shared/upstream-allow.ts';
import type { ElectionStatus } from '../election/elector.ts';
import type { KnownLeader } from '../election/state.ts';
import { StateHub } from './events-stream.ts';
import { LoadController } from './load-controller.ts';
import { dashboardKey } from './page-key.ts';
import { createMonitorApi } from './routes.ts';

const TOKEN = 't'.repeat(32);
const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const url = (p: string) => `http://localhost${p}`;
const KEY = dashboardKey(TOKEN);

function setup(opts: { role?: ElectionStatus['role']; dashboardDir?: string | null } = {}) {
  const status: ElectionStatus = {
    role: opts.role ?? 'leader',
    term: 4,
    leader:
      opts.role === 'follower'
        ? { id: 3, url: 'http://127.0.0.1:17003', term: 4 }
        : { id: 2, url: 'http://127.0.0.1:17002', term: 4 },
  };
  const calls = {
    elections: [] as number[],
    coordinators: [] as KnownLeader[],
    reports: [] as { zone: string; urls: string[]; term: number }[],
  };
  const registry = new MemoryRegistry();
  const state: ClusterState = {
    now: Date.now(),
    monitorId: 2,
    leader: null,
    monitors: [],
    policy: thresholdPolicy(),
    zones: [],
    events: [],
  };
  const hub = new StateHub(async () => ({ ...state, now: Date.now() }), silentLogger);
  const app = createMonitorApi({
    id: 2,
    token: TOKEN,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
    zones: ['zone1', 'zone2', 'zone3'],
    log: silentLogger,
    election: {
      status: () => status,
      receiveElection: (from) => void calls.elections.push(from),
      receiveCoordinator: (l) => {
        if (l.term < status.term) return { accepted: false, current: status.term };
        calls.coordinators.push(l);
        return { accepted: true, current: l.term };
      },
    },
    report: async (zone, urls, term) => {
      calls.reports.push({ zone, urls, term });
      return { removed: urls.length > 0 ? ['zone1-app-1'] : [] };
    },
    registry,
    hub,
    history: async () => ({ zone1: [{ t: 0, cpu: 12 }] }),
    dashboardDir: opts.dashboardDir ?? null,
    origins: originPolicy(['http://127.0.0.1:17001', 'http://127.0.0.1:17002']),
    control: {
      token: TOKEN,
      pageKey: KEY,
      registry,
      load: new LoadController(async () => state, silentLogger),
      log: silentLogger,
    },
  });
  return { app, calls, status, registry, hub };
}

describe('monitor routes', () => {
  test('health check gives the id, role, term and leader id', async () => {
    const { app } = setup({ role: 'follower' });
    const res = await app.request(url('/health_check'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', id: 2, role: 'follower', term: 4, leaderId: 3 });
  });

  test.each([
    ['POST', '/election', { from: 1, term: 3 }],
    ['POST', '/coordinator', { leader: 3, url: 'http://127.0.0.1:17003', term: 5 }],
    ['PUT', '/report', { zone: 'zone1', servers: ['http://127.0.0.1:9101'] }],
  ])('%s %s without the token is 401 and changes nothing', async (method, path, body) => {
    const { app, calls } = setup();
    const res = await app.request(url(path), {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized');
    expect(calls).toEqual({ elections: [], coordinators: [], reports: [] });
    const wrong = await app.request(url(path), {
      method,
      headers: { ...auth, authorization: `Bearer ${'x'.repeat(32)}` },
      body: JSON.stringify(body),
    });
    expect(wrong.status).toBe(401);
  });

  test.each([
    ['POST', '/election', { from: 'one', term: 3 }],
    ['POST', '/election', { from: 1 }],
    ['POST', '/coordinator', { leader: 3, url: 'not a url', term: 5 }],
    ['POST', '/coordinator', { leader: 3, url: 'http://127.0.0.1:17003', term: -1 }],
    ['PUT', '/report', { zone: 'zone1', servers: 'http://127.0.0.1:9101' }],
    ['PUT', '/report', { zone: 'Zone 1', servers: [] }],
    ['PUT', '/report', { zone: 'zone1', servers: ['http://127.0.0.1:9101/path'] }],
    ['PUT', '/report', { zone: 'zone9', servers: [] }],
  ])('%s %s with a bad body %j is 400 naming the problem and changes nothing', async (method, path, body) => {
    const { app, calls } = setup();
    const res = await app.request(url(path), { method, headers: auth, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    const j = (await res.json()) as { message: string };
    expect(j.message.length).toBeGreaterThan(0);
    expect(calls).toEqual({ elections: [], coordinators: [], reports: [] });
  });

  test('malformed JSON is 400', async () => {
    const { app } = setup();
    const res = await app.request(url('/report'), { method: 'PUT', headers: auth, body: '{"zone":' });
    expect(res.status).toBe(400);
  });

  test('an election message is answered with this replica id', async () => {
    const { app, calls } = setup({ role: 'follower' });
    const res = await app.request(url('/election'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ from: 1, term: 4 }),
    });
    expect(await res.json()).toEqual({ answer: true, from: 2 });
    expect(calls.elections).toEqual([1]);
  });

  test('a coordinator with a current term is accepted and an older one is 409 stale_term', async () => {
    const { app, calls } = setup();
    const ok = await app.request(url('/coordinator'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ leader: 3, url: 'http://127.0.0.1:17003/', term: 5 }),
    });
    expect(ok.status).toBe(200);
    expect(calls.coordinators).toEqual([{ id: 3, url: 'http://127.0.0.1:17003', term: 5 }]);
    const stale = await app.request(url('/coordinator'), {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ leader: 1, url: 'http://127.0.0.1:17001', term: 3 }),
    });
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as { error: string }).error).toBe('stale_term');
    expect(calls.coordinators.length).toBe(1);
  });

  test.each([
    [
      'an election message with a term beyond the bound',
      '/election',
      { from: 1, term: MAX_TERM + 1 },
      'from 0 to 2147483647',
    ],
    [
      'an election message with a term of 2^53 - 1',
      '/election',
      { from: 1, term: Number.MAX_SAFE_INTEGER },
      'from 0 to 2147483647',
    ],
    [
      'a coordinator with a term beyond the bound',
      '/coordinator',
      { leader: 3, url: 'http://127.0.0.1:17003', term: MAX_TERM + 1 },
      'from 0 to 2147483647',
    ],
    [
      'a coordinator naming a host outside the allowed upstream networks',
      '/coordinator',
      { leader: 3, url: 'http://10.0.0.3:17003', term: 5 },
      'url: http://10.0.0.3:17003 not in the allowed upstream networks',
    ],
  ])('%s is 400 naming why, and nothing reaches the election', async (_c, path, body, why) => {
    const { app, calls } = setup();
    const res = await app.request(url(path), { method: 'POST', headers: auth, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(why);
    expect(calls.elections).toEqual([]);
    expect(calls.coordinators).toEqual([]);
  });

  test('a report naming a server outside the allowed upstream networks is 400 and nothing is removed', async () => {
    const { app, calls } = setup();
    const res = await app.request(url('/report'), {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ zone: 'zone1', servers: ['http://127.0.0.1:9101', 'http://192.168.1.9:9101'] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('upstream_not_allowed');
    expect(calls.reports).toEqual([]);
  });

  test('the leader acts on a report with its term', async () => {
    const { app, calls } = setup();
    const res = await app.request(url('/report'), {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ zone: 'zone1', servers: ['http://127.0.0.1:9101/'] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ zone: 'zone1', removed: ['zone1-app-1'] });
    expect(calls.reports).toEqual([{ zone: 'zone1', urls: ['http://127.0.0.1:9101'], term: 4 }]);
  });

  test("a follower's /report is 421 not_leader naming the leader, and nothing is done", async () => {
    const { app, calls } = setup({ role: 'follower' });
    const res = await app.request(url('/report'), {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ zone: 'zone1', servers: ['http://127.0.0.1:9101'] }),
    });
    expect(res.status).toBe(421);
    const j = (await res.json()) as { error: string; details: { leader: { id: number; url: string } } };
    expect(j.error).toBe('not_leader');
    expect(j.details.leader).toEqual({ id: 3, url: 'http://127.0.0.1:17003' });
    expect(calls.reports).toEqual([]);
  });

  test('containers come from the registry', async () => {
    const { app, registry } = setup();
    await registry.putContainer(
      {
        id: 'zone1-app-1',
        role: 'app',
        zone: 'zone1',
        url: 'http://127.0.0.1:9101',
        port: 9101,
        runtimeId: '1',
        createdAt: 5,
      },
      0,
    );
    const res = await app.request(url('/containers'));
    expect(((await res.json()) as { containers: { id: string }[] }).containers.map((c) => c.id)).toEqual([
      'zone1-app-1',
    ]);
  });

  test.each([
    ['/state', 'another monitor', 'http://127.0.0.1:17001', 'http://127.0.0.1:17001'],
    [
      '/health_check',
      'another monitor opened as localhost',
      'http://localhost:17001',
      'http://localhost:17001',
    ],
    ['/state', 'a page on another local port', 'http://127.0.0.1:5555', null],
    ['/state', 'another web site', 'https://evil.example.com', null],
    ['/containers', 'another web site', 'https://evil.example.com', null],
    ['/control/load', 'another web site', 'https://evil.example.com', null],
  ])('GET %s from %s is answered with allow-origin %p', async (path, _n, origin, allowed) => {
    const { app } = setup();
    const res = await app.request(url(path), { headers: { origin } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowed);
  });

  test('state is served', async () => {
    const { app } = setup();
    const res = await app.request(url('/state'));
    expect(((await res.json()) as ClusterState).monitorId).toBe(2);
  });

  test('the events stream starts with history, then state', async () => {
    const { app, hub } = setup();
    const ac = new AbortController();
    try {
      const res = await app.request(url('/events'), { signal: ac.signal });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      const dec = new TextDecoder();
      while (!text.includes('event: state')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
      expect(text.indexOf('event: history')).toBeGreaterThanOrEqual(0);
      expect(text.indexOf('event: history')).toBeLessThan(text.indexOf('event: state'));
      expect(text).toContain('"zone1":[{"t":0,"cpu":12}]');
      await reader.cancel();
    } finally {
      ac.abort();
      hub.stop();
    }
  });

  test('openapi.json describes the routes', async () => {
    const { app } = setup();
    const doc = (await (await app.request(url('/openapi.json'))).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/health_check',
        '/election',
        '/coordinator',
        '/report',
        '/containers',
        '/state',
      ]),
    );
  });

  describe('dashboard', () => {
    let dir: string | null = null;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      dir = null;
    });

    test('serves index.html, assets, falls back to index.html, and refuses to leave the directory', async () => {
      dir = mkdtempSync(join(tmpdir(), 'zs-dash-'));
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<html>dash</html>');
      writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
      const { app } = setup({ dashboardDir: dir });
      expect(await (await app.request(url('/'))).text()).toEndWith('<html>dash</html>');
      expect(await (await app.request(url('/assets/app.js'))).text()).toBe('console.log(1)');
      expect(
        await (await app.request(url('/zones/zone1'), { headers: { accept: 'text/html' } })).text(),
      ).toEndWith('<html>dash</html>');
      expect((await app.request(url('/assets/..%2F..%2Fetc%2Fpasswd'))).status).toBe(404);
    });

    test('says how to build the dashboard when it is missing', async () => {
      dir = mkdtempSync(join(tmpdir(), 'zs-dash-'));
      const { app } = setup({ dashboardDir: dir });
      expect(await (await app.request(url('/'))).text()).toContain('bun run build:ui');
    });

    const built = () => {
      dir = mkdtempSync(join(tmpdir(), 'zs-dash-'));
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<html><head></head>dash</html>');
      writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
      return setup({ dashboardDir: dir }).app;
    };

    test.each([
      ['/', 'another web site', 'https://evil.example.com'],
      ['/', 'another monitor', 'http://127.0.0.1:17001'],
      ['/index.html', 'another web site', 'https://evil.example.com'],
      ['/zones/zone1', 'another web site', 'https://evil.example.com'],
      ['/assets/app.js', 'another web site', 'https://evil.example.com'],
    ])('GET %s with the key injected carries no CORS, even asked by %s', async (path, _n, origin) => {
      const res = await built().request(url(path), { headers: { origin, accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      if (path !== '/assets/app.js') expect(await res.text()).toContain(KEY);
    });

    test.each([
      ['/', 'rebind.example.com:17001', 403],
      ['/zones/zone1', 'rebind.example.com:17001', 403],
      ['/', '127.0.0.1:17001', 200],
      ['/', 'localhost:17001', 200],
    ])('GET %s under Host %s answers %i (DNS rebinding cannot read the key)', async (path, host, status) => {
      const res = await built().request(url(path), { headers: { host, accept: 'text/html' } });
      expect(res.status).toBe(status);
      expect((await res.text()).includes(KEY)).toBe(status === 200);
    });
  });
});
