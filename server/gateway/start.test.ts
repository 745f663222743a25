/**
 * The gateway's routing in-process: fake zone balancers on ephemeral 127.0.0.1 ports, the real
 * gateway in front. A client keeps its zone; when its zone stops answering (or reports no alive
 * server) it goes to the next zone clockwise on the ring, the same one every time.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { GatewayConfig } from '../config/roles.ts';
import { HashRing } from '../proxy/lb/strategies/hash-ring.ts';
import { silentLogger } from '../shared/logger.ts';
import { type GatewayHandle, startGateway } from './start.ts';

const TOKEN = 'gateway-start-token-0123456789';

interface FakeZone {
  zone: string;
  url: string;
  alive: number;
  server: ReturnType<typeof Bun.serve>;
}

let zones: FakeZone[] = [];
let gateway: GatewayHandle | null = null;

afterEach(async () => {
  await gateway?.stop();
  gateway = null;
  for (const z of zones) await z.server.stop(true);
  zones = [];
});

function fakeZone(zone: string): FakeZone {
  const z = { zone, alive: 1 } as FakeZone;
  z.server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === '/health_check') return Response.json({ status: 'ok', zone, alive: z.alive });
      if (z.alive === 0)
        return Response.json(
          { error: 'no_available_server', message: `no alive server in ${zone}` },
          { status: 503 },
        );
      return Response.json({ zone, key: req.headers.get('x-session') });
    },
  });
  z.url = `http://127.0.0.1:${z.server.port}`;
  return z;
}

async function start(extra: Record<string, string> = {}) {
  zones = ['zone1', 'zone2', 'zone3'].map(fakeZone);
  const cfg = GatewayConfig.parse({
    token: TOKEN,
    zones: zones.map((z) => `${z.zone}=${z.url}`).join(','),
    affinityHeader: 'x-session',
    checkIntervalMs: '100000',
    recheckIntervalMs: '100000',
    ...extra,
  });
  gateway = await startGateway({ ...cfg, port: 0 }, silentLogger);
  return gateway;
}

const ask = async (g: GatewayHandle, key: string) => {
  const res = await fetch(`${g.url}/hello`, { headers: { 'x-session': key } });
  return { status: res.status, zone: ((await res.json()) as { zone?: string }).zone };
};

const KEYS = Array.from({ length: 30 }, (_, i) => `session-${i}`);

describe('the gateway routes by client affinity', () => {
  test('a client key always reaches the zone the ring gives it, and keys spread over the zones', async () => {
    const g = await start();
    const ring = new HashRing(zones.map((z) => z.url));
    const seen = new Set<string>();
    for (const key of KEYS) {
      const expected = zones.find((z) => z.url === ring.lookup(key))!.zone;
      for (let i = 0; i < 3; i++) expect((await ask(g, key)).zone).toBe(expected);
      seen.add(expected);
    }
    expect(seen.size).toBe(3);
  });

  test("a stopped zone's clients fail over to the next zone on the ring with no failed request; the others stay", async () => {
    const g = await start();
    const ring = new HashRing(zones.map((z) => z.url));
    const before = new Map(KEYS.map((k) => [k, ring.lookup(k)!]));
    const down = zones[0]!;
    await down.server.stop(true);
    for (const key of KEYS) {
      const r = await ask(g, key);
      expect(r.status).toBe(200);
      const next = ring.lookup(key, (u) => u !== down.url)!;
      expect(r.zone).toBe(zones.find((z) => z.url === next)!.zone);
      if (before.get(key) !== down.url) expect(next).toBe(before.get(key)!);
    }
    const z = await (await fetch(`${g.url}/zones`)).json();
    expect(z.zones.find((x: { zone: string }) => x.zone === 'zone1').state).toBe('unavailable');
  });

  test('a zone whose balancer has no alive server is skipped too', async () => {
    const g = await start();
    zones[1]!.alive = 0;
    for (const key of KEYS) {
      const r = await ask(g, key);
      expect(r.status).toBe(200);
      expect(r.zone).not.toBe('zone2');
    }
  });

  test('when no zone has a server the request fails with 502 naming the zones tried, then 503 no_available_server', async () => {
    const g = await start();
    for (const z of zones) z.alive = 0;
    const first = await fetch(`${g.url}/hello`);
    expect(first.status).toBe(502);
    expect((await first.json()).message).toContain('3 server(s) tried');
    const res = await fetch(`${g.url}/hello`);
    expect(res.status).toBe(503);
    expect((await res.json()).error).toBe('no_available_server');
  });

  test('without the header the client address is the key, so one client stays on one zone', async () => {
    const g = await start();
    const answers = new Set<string | undefined>();
    for (let i = 0; i < 5; i++) answers.add((await (await fetch(`${g.url}/hello`)).json()).zone);
    expect(answers.size).toBe(1);
  });
});
