/**
 * One zone balancer in-process (`startBalancer`) in front of three small Bun.serve upstreams and a
 * fake leader monitor, all on 127.0.0.1 ephemeral ports with short timings (check and recheck every
 * 200 ms). The story: traffic reaches all three; bodies are replayed and SSE streams through; a 500
 * is passed back exactly once; a drained server finishes its in-flight request and gets no new
 * ones; an upstream stopped abruptly under a bounded stream of requests loses no client request,
 * leaves the alive pool, becomes dead after the rechecks and is reported with `PUT /report`.
 * Retries and outlier ejection are in `balancer-retries.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBalancer } from '../../server/balancer/start.ts';
import { BalancerConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import { authHeaders, startUpstream, TOKEN, type Upstream } from '../support/balancer-upstreams.ts';

const reports: { auth: string | null; body: unknown }[] = [];
let monitor: ReturnType<typeof Bun.serve>;
let ups: Upstream[] = [];
let balancer: RoleHandle;

const hitsOf = (path: string) => ups.reduce((n, u) => n + (u.hits.get(path) ?? 0), 0);
const getJson = async <T>(path: string): Promise<T> =>
  (await fetch(`${balancer.url}${path}`)).json() as Promise<T>;

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

beforeAll(async () => {
  monitor = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      if (req.method !== 'PUT' || new URL(req.url).pathname !== '/report')
        return new Response('no', { status: 404 });
      const auth = req.headers.get('authorization');
      if (auth !== `Bearer ${TOKEN}`) return Response.json({ error: 'unauthorized' }, { status: 401 });
      reports.push({ auth, body: await req.json() });
      return Response.json({ ok: true });
    },
  });
  ups = ['a', 'b', 'c'].map(startUpstream);
  const cfg: BalancerConfig = {
    ...BalancerConfig.parse({ token: TOKEN, zone: 'zone1' }),
    token: TOKEN,
    host: '127.0.0.1',
    cluster: 'it',
    dataDir: '.zonescale',
    id: 'zone1-balancer',
    zone: 'zone1',
    port: 0,
    servers: ups.map((u) => u.url),
    monitor: `http://127.0.0.1:${monitor.port}`,
    checkIntervalMs: 200,
    recheckIntervalMs: 200,
    deadAfter: 3,
    reportIntervalMs: 300,
    checkTimeoutMs: 200,
    tries: 3,
    tryTimeoutMs: 2_000,
    strategy: 'round-robin',
  };
  balancer = await startBalancer(cfg, silentLogger);
});

afterAll(async () => {
  await balancer?.stop();
  for (const u of ups) {
    for (const r of u.held) r();
    u.sseGate.open();
    await u.server.stop(true);
  }
  await monitor?.stop(true);
});

describe('balancer in front of three upstreams', () => {
  test('traffic reaches all three upstreams', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${balancer.url}/hello`);
      expect(res.status).toBe(200);
      ids.add(await res.text());
    }
    expect([...ids].sort()).toEqual(['a', 'b', 'c']);
  });

  test('the control API answers on the balancer itself, not proxied', async () => {
    const h = await getJson<{ status: string; alive: number }>('/health_check');
    expect(h).toEqual({
      status: 'ok',
      zone: 'zone1',
      alive: 3,
      disconnected: 0,
      dead: 0,
      activation: 'idle',
      held: 0,
    } as never);
    const res = await fetch(`${balancer.url}/servers`, {
      method: 'PUT',
      body: JSON.stringify({ remove: [ups[0]!.url] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(401);
    expect((await getJson<{ servers: string[] }>('/servers')).servers.length).toBe(3);
  });

  test('a request body reaches the upstream and X-Forwarded-For is set', async () => {
    const res = await fetch(`${balancer.url}/echo`, {
      method: 'POST',
      body: 'payload-123',
      headers: { connection: 'x-hop', 'x-hop': 'secret' },
    });
    const body = (await res.json()) as { body: string; xff: string; conn: string | null };
    expect(body.body).toBe('payload-123');
    expect(body.xff).toBe('127.0.0.1');
    expect(body.conn).toBeNull();
  });

  test('a body over 1 MiB streams to one upstream whole (too large to replay, so not retried)', async () => {
    const before = hitsOf('/echo');
    const res = await fetch(`${balancer.url}/echo`, {
      method: 'POST',
      body: new Uint8Array(1024 * 1024 + 1).fill(97),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { body: string }).body.length).toBe(1024 * 1024 + 1);
    expect(hitsOf('/echo')).toBe(before + 1);
  });

  test('an upstream 500 is returned to the client and tried exactly once', async () => {
    const res = await fetch(`${balancer.url}/boom`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toBe('boom');
    expect(hitsOf('/boom')).toBe(1);
  });

  test('server-sent events stream through as they come', async () => {
    const res = await fetch(`${balancer.url}/sse`);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    const first = await reader.read();
    // The upstream has not sent the second event yet: the first one arrived without buffering.
    expect(dec.decode(first.value)).toBe('data: one\n\n');
    for (const u of ups) u.sseGate.open();
    let rest = '';
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      rest += dec.decode(r.value);
    }
    expect(rest).toBe('data: two\n\n');
  });

  test('a drained server finishes its in-flight request and receives no new ones', async () => {
    const pending = fetch(`${balancer.url}/hold`);
    const holder = await waitFor('the request to be held', async () => ups.find((u) => u.held.length > 0));
    const res = await fetch(`${balancer.url}/servers`, {
      method: 'PUT',
      headers: authHeaders,
      body: JSON.stringify({ remove: [holder.url] }),
    });
    expect(res.status).toBe(200);
    const beforeHits = holder.hits.get('/drained') ?? 0;
    for (let i = 0; i < 6; i++) expect((await fetch(`${balancer.url}/drained`)).status).toBe(200);
    expect(holder.hits.get('/drained') ?? 0).toBe(beforeHits);
    holder.held.shift()!();
    const done = await pending;
    expect(done.status).toBe(200);
    expect(await done.text()).toBe(`held by ${holder.id}`);
    const back = await fetch(`${balancer.url}/servers`, {
      method: 'PUT',
      headers: authHeaders,
      body: JSON.stringify({ add: [holder.url] }),
    });
    expect(back.status).toBe(200);
    expect((await getJson<{ servers: string[] }>('/servers')).servers).toContain(holder.url);
  });

  test('an upstream stopped under traffic loses no request, turns dead and is reported', async () => {
    const victim = ups[1]!;
    const statuses: number[] = [];
    let stopped = false;
    for (let i = 0; i < 60; i++) {
      if (i === 10) {
        await victim.server.stop(true);
        stopped = true;
      }
      const res = await fetch(`${balancer.url}/load?i=${i}`, { signal: AbortSignal.timeout(5_000) });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(stopped).toBe(true);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const servers = (await getJson<{ servers: string[] }>('/servers')).servers;
    expect(servers).not.toContain(victim.url);
    expect(servers.length).toBe(2);

    const report = await waitFor('the dead server to be reported', async () =>
      reports.find((r) => (r.body as { servers: string[] }).servers.includes(victim.url)),
    );
    expect(report.body).toEqual({ zone: 'zone1', servers: [victim.url] });
    expect(report.auth).toBe(`Bearer ${TOKEN}`);
    const pools = await waitFor('the reported server to be dropped', async () => {
      const p = await getJson<{ alive: unknown[]; disconnected: unknown[]; dead: unknown[] }>('/pools');
      return p.dead.length === 0 && p.disconnected.length === 0 ? p : undefined;
    });
    expect(pools.alive.length).toBe(2);

    const metrics = await (await fetch(`${balancer.url}/metrics`)).text();
    expect(metrics).toMatch(/balancer_pool_transitions_total\{reason="dead",zone="zone1"\} 1/);
    expect(metrics).toMatch(/balancer_pool_transitions_total\{reason="reported",zone="zone1"\} 1/);
  });
});
