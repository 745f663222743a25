/** App routes through `app.request` (no network), over a load model with fake clocks. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryMetricsPublisher } from '../adapters/metrics-bus-memory.ts';
import { AppLoad } from './load.ts';
import { RecentRequests } from './recent-requests.ts';
import { appRoutes } from './routes.ts';

const TOKEN = 'app-routes-test-token-01';
const UI_KEY = 'page-key-123';
let uiDir = '';
beforeAll(() => {
  uiDir = mkdtempSync(join(tmpdir(), 'zs-app-ui-'));
  mkdirSync(join(uiDir, 'assets'));
  writeFileSync(
    join(uiDir, 'index.html'),
    '<!doctype html><html><head><!--ZONESCALE_APP_CONFIG--></head><body></body></html>',
  );
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(uiDir, 'secret.txt'), 'nope');
  writeFileSync(join(tmpdir(), `zs-outside-${process.pid}.txt`), 'outside');
  symlinkSync(join(tmpdir(), `zs-outside-${process.pid}.txt`), join(uiDir, 'assets', 'link-out.js'));
});
afterAll(() => {
  rmSync(uiDir, { recursive: true, force: true });
  rmSync(join(tmpdir(), `zs-outside-${process.pid}.txt`), { force: true });
});

function setup(dir = uiDir) {
  let t = 1_000_000;
  const recent = new RecentRequests(50);
  const load = new AppLoad({
    id: 'zone1-app-1',
    zone: 'zone1',
    scenarioMode: 'simulate',
    publisher: new MemoryMetricsPublisher(),
    cpuMeter: { read: () => 2 },
    memoryMb: () => 50,
    now: () => t,
    rand: () => 0.5,
  });
  const app = appRoutes({
    id: 'zone1-app-1',
    zone: 'zone1',
    token: TOKEN,
    uiKey: UI_KEY,
    scenarioMode: 'simulate',
    load,
    uiDir: dir,
    pin: () => 'pin-of-zone1-app-1',
    recent,
  });
  const req = (path: string, init?: RequestInit) => app.request(`http://localhost${path}`, init);
  const scenario = (body: unknown, headers: Record<string, string> = {}) =>
    req('/scenario', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { app, load, req, scenario, recent, advance: (ms: number) => (t += ms) };
}

describe('app routes', () => {
  test('health check reports id, zone and current load', async () => {
    const { req, load, advance } = setup();
    advance(1000);
    load.tick();
    const body = await (await req('/health_check')).json();
    expect(body).toEqual({
      status: 'ok',
      id: 'zone1-app-1',
      zone: 'zone1',
      cpu: 2,
      memoryMb: 50,
      inFlight: 1,
      throughput: 0,
      scenario: 'off',
      scenarioMode: 'simulate',
    });
  });

  test('GET /work burns for the asked time, answers who served it and counts in throughput', async () => {
    const { req, load, advance } = setup();
    const t0 = performance.now();
    const res = await req('/work?ms=30');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(29);
    expect(await res.json()).toEqual({ server: 'zone1-app-1', zone: 'zone1', ms: 30 });
    await req('/api/hello');
    await req('/hello');
    advance(1000);
    expect(load.tick().throughput).toBe(3);
  });

  test.each(['0', '1001', 'abc', '2.5'])('GET /work?ms=%s gets 400 with a JSON error', async (ms) => {
    const { req } = setup();
    const res = await req(`/work?ms=${ms}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('bad_request');
  });

  test('GET /api/hello answers with the server and zone', async () => {
    const { req } = setup();
    expect(await (await req('/api/hello')).json()).toEqual({ server: 'zone1-app-1', zone: 'zone1' });
  });

  test.each([
    ['no credential', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }],
    ['a wrong page key', { 'x-ui-key': 'guess' }],
  ])('POST /scenario with %s gets 401 and the scenario does not change', async (_name, headers) => {
    const { scenario, load } = setup();
    const res = await scenario({ mode: 'high' }, headers);
    expect(res.status).toBe(401);
    expect(load.scenario()).toBe('off');
  });

  test.each([
    ['the cluster token', { authorization: `Bearer ${TOKEN}` }],
    ['the page key', { 'x-ui-key': UI_KEY }],
  ])('POST /scenario with %s switches the scenario', async (_name, headers) => {
    const { scenario, load } = setup();
    const res = await scenario({ mode: 'low' }, headers);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ server: 'zone1-app-1', scenario: 'low', previous: 'off' });
    expect(load.scenario()).toBe('low');
  });

  test.each([['{"mode":"max"}'], ['{}'], ['not json']])(
    'POST /scenario with body %s gets 400 and nothing changes',
    async (body) => {
      const { scenario, load } = setup();
      const res = await scenario(body, { 'x-ui-key': UI_KEY });
      expect(res.status).toBe(400);
      expect(load.scenario()).toBe('off');
    },
  );

  test('GET / serves the page with the bootstrap data injected', async () => {
    const { req } = setup();
    const html = await (await req('/')).text();
    expect(html).toContain(
      '<script>window.__ZONESCALE_APP__={"id":"zone1-app-1","zone":"zone1","uiKey":"page-key-123","pin":"pin-of-zone1-app-1"}</script>',
    );
    expect(html).not.toContain(TOKEN);
  });

  // The page is served directly (Host 127.0.0.1:9101) or through a balancer or the gateway, which
  // pass the client's Host through (Host 127.0.0.1:8001 / :7010): its own calls have Origin == Host.
  test.each([
    [
      'the page served directly',
      200,
      { host: '127.0.0.1:9101', origin: 'http://127.0.0.1:9101', 'sec-fetch-site': 'same-origin' },
    ],
    [
      'the page served through the balancer',
      200,
      { host: '127.0.0.1:8001', origin: 'http://127.0.0.1:8001', 'sec-fetch-site': 'same-origin' },
    ],
    [
      'the page opened as localhost',
      200,
      { host: 'localhost:7010', origin: 'http://localhost:7010', 'sec-fetch-site': 'same-origin' },
    ],
    ['curl with the key (no Origin)', 200, { host: '127.0.0.1:9101' }],
    [
      'a page on another local port',
      403,
      { host: '127.0.0.1:9101', origin: 'http://127.0.0.1:5555', 'sec-fetch-site': 'same-site' },
    ],
    [
      'another web site',
      403,
      { host: '127.0.0.1:8001', origin: 'https://evil.example.com', 'sec-fetch-site': 'cross-site' },
    ],
    ['a sandboxed frame', 403, { host: '127.0.0.1:9101', origin: 'null', 'sec-fetch-site': 'cross-site' }],
    ['a cross-site call without Origin', 403, { host: '127.0.0.1:9101', 'sec-fetch-site': 'cross-site' }],
    [
      'a DNS-rebound page',
      403,
      {
        host: 'rebind.example.com:9101',
        origin: 'http://rebind.example.com:9101',
        'sec-fetch-site': 'same-origin',
      },
    ],
  ])('POST /scenario with the page key from %s answers %i', async (_n, status, headers) => {
    const { scenario, load } = setup();
    const res = await scenario({ mode: 'high' }, { 'x-ui-key': UI_KEY, ...headers });
    expect(res.status).toBe(status);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(load.scenario()).toBe(status === 200 ? 'high' : 'off');
  });

  test.each([
    ['127.0.0.1:9101', 'https://evil.example.com', 200],
    ['127.0.0.1:8001', 'http://127.0.0.1:5555', 200],
    ['rebind.example.com:9101', undefined, 403],
  ])('GET / under Host %s asked by %p answers %i and never carries CORS', async (host, origin, status) => {
    const { req } = setup();
    const res = await req('/', { headers: { host, ...(origin ? { origin } : {}) } });
    expect(res.status).toBe(status);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await res.text()).includes(UI_KEY)).toBe(status === 200);
  });

  test('GET / without a built page says how to build it', async () => {
    const { req } = setup(join(uiDir, 'missing'));
    const res = await req('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('bun run build:ui');
  });

  test.each([
    ['/assets/app.js', 200],
    ['/assets/nope.js', 404],
    ['/assets/..%2fsecret.txt', 404],
    ['/assets/link-out.js', 404],
    ['/assets/%E0%A4%A', 404],
  ])('GET %s answers %i', async (path, status) => {
    const { req } = setup();
    expect((await req(path)).status).toBe(status);
  });

  test('GET /stream sends hello with the history, then each new sample', async () => {
    const { req, load, advance } = setup();
    advance(1000);
    load.tick();
    const res = await req('/stream');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
    };
    await readUntil('\n\n');
    expect(text).toContain('event: hello');
    const hello = JSON.parse(/data: (.*)/.exec(text)![1]!);
    expect(hello).toMatchObject({ id: 'zone1-app-1', zone: 'zone1', scenario: 'off' });
    expect(hello.history).toHaveLength(1);
    advance(1000);
    load.tick();
    await readUntil('event: sample');
    expect(text).toContain('event: sample');
    await reader.cancel();
  });

  test('user requests are recorded and streamed as `requests`; health checks and the page are not', async () => {
    const { req, load, advance, recent } = setup();
    await req('/work?ms=2');
    await req('/api/hello');
    await req('/work?ms=5000');
    await req('/health_check');
    await req('/');
    const rows = recent.since(0);
    expect(rows.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /work?ms=2 200',
      'GET /api/hello 200',
      'GET /work?ms=5000 400',
    ]);
    expect(rows[0]!.ms).toBeGreaterThanOrEqual(1);
    advance(1000);
    load.tick();
    const res = await req('/stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: requests')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain('/api/hello');
  });

  test('openapi.json lists the routes', async () => {
    const { req } = setup();
    const doc = await (await req('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/health_check', '/work', '/scenario', '/stream', '/api/hello']),
    );
  });
});
