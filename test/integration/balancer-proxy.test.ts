/**
 * The balancer's proxy features beyond plain requests, in-process on 127.0.0.1 ephemeral ports:
 * WebSocket upgrades relayed both ways (large binary messages byte for byte), consistent-hash
 * affinity from a configured header (shown in `GET /pools`), load reported by the upstreams'
 * health checks visible in the pools, chunked responses passed through, and a graceful stop that
 * lets an in-flight request finish.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { startBalancer } from '../../server/balancer/start.ts';
import { BalancerConfig } from '../../server/config/roles.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import { pattern, sha256 } from '../support/patterned-bytes.ts';

const TOKEN = 'balancer-proxy-it-token-0123456789';

interface Up {
  id: string;
  url: string;
  server: ReturnType<typeof Bun.serve>;
  release: (() => void)[];
}

/** Headers of the last WebSocket handshake an upstream received. */
let lastUpgradeHeaders: Record<string, string> = {};

function startUp(id: string, cpu: number): Up {
  const up = { id, release: [] as (() => void)[] } as Up;
  up.server = Bun.serve<{ id: string }>({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req, srv) {
      const path = new URL(req.url).pathname;
      if (path === '/ws') {
        lastUpgradeHeaders = Object.fromEntries(req.headers);
        return srv.upgrade(req, { data: { id } }) ? undefined : new Response('no', { status: 400 });
      }
      if (path === '/health_check') return Response.json({ status: 'ok', cpu, inFlight: 0 });
      if (path === '/slow') {
        await new Promise<void>((r) => up.release.push(r));
        return new Response(`slow from ${id}`);
      }
      if (path === '/chunked') {
        const enc = new TextEncoder();
        return new Response(
          new ReadableStream({
            start(c) {
              for (let i = 0; i < 5; i++) c.enqueue(enc.encode(`part${i};`));
              c.close();
            },
          }),
        );
      }
      return new Response(id);
    },
    websocket: {
      message(ws, m) {
        if (typeof m === 'string') ws.send(`${ws.data.id}:${m}`);
        else ws.send(m); // binary: echoed as it came
      },
    },
  });
  up.url = `http://127.0.0.1:${up.server.port}`;
  return up;
}

let ups: Up[] = [];
let balancer: RoleHandle;

beforeAll(async () => {
  ups = [startUp('a', 10), startUp('b', 20), startUp('c', 30)];
  balancer = await startBalancer(
    {
      ...BalancerConfig.parse({ token: TOKEN, zone: 'zone1' }),
      port: 0,
      servers: ups.map((u) => u.url),
      strategy: 'consistent-hash',
      hashKey: 'header:x-user',
      checkIntervalMs: 100,
      recheckIntervalMs: 100,
      drainTimeoutMs: 2_000,
    },
    silentLogger,
  );
});

afterAll(async () => {
  await balancer?.stop();
  for (const u of ups) {
    for (const r of u.release) r();
    await u.server.stop(true);
  }
});

describe('balancer proxy features', () => {
  test('GET /pools shows the strategy, the hash key and the load each server reported', async () => {
    let pools:
      | { strategy: string; hashKey: string; alive: { url: string; load?: { cpu: number } }[] }
      | undefined;
    for (let i = 0; i < 50; i++) {
      pools = (await (await fetch(`${balancer.url}/pools`)).json()) as typeof pools;
      if (pools?.alive.every((s) => s.load)) break;
      await Bun.sleep(50);
    }
    expect(pools?.strategy).toBe('consistent-hash');
    expect(pools?.hashKey).toBe('header:x-user');
    const cpus = Object.fromEntries(pools!.alive.map((s) => [s.url, s.load?.cpu]));
    expect(cpus).toEqual({ [ups[0]!.url]: 10, [ups[1]!.url]: 20, [ups[2]!.url]: 30 });
  });

  test('requests with the same x-user header stick to one server, and users spread over all', async () => {
    const byUser = new Map<string, Set<string>>();
    for (let u = 0; u < 30; u++)
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${balancer.url}/who`, { headers: { 'x-user': `user-${u}` } });
        const id = await res.text();
        byUser.set(`user-${u}`, (byUser.get(`user-${u}`) ?? new Set()).add(id));
      }
    for (const ids of byUser.values()) expect(ids.size).toBe(1);
    expect(new Set([...byUser.values()].map((s) => [...s][0])).size).toBe(3);
  });

  test('a chunked response passes through whole', async () => {
    const res = await fetch(`${balancer.url}/chunked`);
    expect(await res.text()).toBe('part0;part1;part2;part3;part4;');
  });

  test('a WebSocket is relayed to one upstream and messages flow both ways', async () => {
    const ws = new WebSocket(`${balancer.url.replace('http', 'ws')}/ws`, {
      headers: { 'x-tenant': 't1', cookie: 'sid=1', 'x-forwarded-for': '10.9.9.9' },
    } as never);
    const got: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.onmessage = (e) => {
        got.push(String(e.data));
        if (got.length === 2) resolve();
      };
      ws.onerror = () => reject(new Error('websocket error'));
    });
    await new Promise<void>((r) => (ws.onopen = () => r()));
    ws.send('hello');
    ws.send('again');
    await done;
    ws.close();
    expect(got.length).toBe(2);
    const id = got[0]!.split(':')[0];
    expect(['a', 'b', 'c']).toContain(id!);
    expect(got).toEqual([`${id}:hello`, `${id}:again`]);
    // The handshake upstream carries the client's headers and the X-Forwarded-* like any request.
    expect(lastUpgradeHeaders['x-tenant']).toBe('t1');
    expect(lastUpgradeHeaders.cookie).toBe('sid=1');
    expect(lastUpgradeHeaders['x-forwarded-for']).toBe('10.9.9.9, 127.0.0.1');
    expect(lastUpgradeHeaders['x-forwarded-proto']).toBe('http');
  });

  test('large binary WebSocket messages come back byte for byte (the tunnel releases what it read)', async () => {
    // Sizes past `RELEASE_MIN_BYTES` (32 KiB), so the tunnel's reads are released after their
    // callback: a queued view of one instead of a copy would change the echoed bytes.
    const sizes = [40 * 1024, 1024 * 1024, 4 * 1024 * 1024];
    const sent = sizes.map((n, k) => pattern(n, k));
    const ws = new WebSocket(`${balancer.url.replace('http', 'ws')}/ws`);
    ws.binaryType = 'arraybuffer';
    const got: Uint8Array[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.onmessage = (e) => {
        got.push(new Uint8Array(e.data as ArrayBuffer));
        if (got.length === sent.length) resolve();
      };
      ws.onerror = () => reject(new Error('websocket error'));
    });
    await new Promise<void>((r) => (ws.onopen = () => r()));
    for (const b of sent) ws.send(b);
    await done;
    ws.close();
    expect(got.map((b) => b.byteLength)).toEqual(sizes);
    expect(got.map(sha256)).toEqual(sent.map(sha256));
  }, 20_000);

  test('stop() lets an in-flight request finish before closing', async () => {
    const pending = fetch(`${balancer.url}/slow`, { headers: { 'x-user': 'slow-user' } });
    let holder: Up | undefined;
    for (let i = 0; i < 100 && !holder; i++) {
      holder = ups.find((u) => u.release.length > 0);
      if (!holder) await Bun.sleep(10);
    }
    expect(holder).toBeDefined();
    const stopping = balancer.stop();
    await Bun.sleep(100);
    holder!.release.shift()!();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`slow from ${holder!.id}`);
    await stopping;
    await expect(fetch(`${balancer.url}/who`)).rejects.toThrow();
  });
});
