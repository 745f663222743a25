/**
 * The gateway in front of real zone balancers, all as child processes (`bun server/main.ts …`,
 * random 127.0.0.1 ports): the leader's push (`PUT /zones`) sets the zones, every client key keeps
 * its zone, and when one zone's balancer is SIGKILLed under steady traffic its clients move to the
 * next zone on the ring with no failed request, while the other clients keep their zone.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dir, '../..');
const TOKEN = 'integration-gateway-token-0123456';

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await fn().catch(() => false)) return;
    await Bun.sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('gateway in front of real zone balancers', () => {
  const children: ReturnType<typeof Bun.spawn>[] = [];
  const apps: ReturnType<typeof Bun.serve>[] = [];
  const zones = ['zone1', 'zone2', 'zone3'];
  const balancers = new Map<string, { url: string; proc: ReturnType<typeof Bun.spawn> }>();
  const gatewayUrl = `http://127.0.0.1:${freePort()}`;

  const spawn = (args: string[]) => {
    const child = Bun.spawn(['bun', 'server/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ZONESCALE_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
      stdout: 'ignore',
      stderr: 'ignore',
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    for (const zone of zones) {
      const app = Bun.serve({
        hostname: '127.0.0.1',
        port: 0,
        fetch: (req) =>
          new URL(req.url).pathname === '/health_check'
            ? Response.json({ status: 'ok' })
            : Response.json({ zone }),
      });
      apps.push(app);
      const port = freePort();
      const proc = spawn([
        'balancer',
        `--zone=${zone}`,
        `--port=${port}`,
        `--servers=http://127.0.0.1:${app.port}`,
        '--check-interval-ms=500',
      ]);
      balancers.set(zone, { url: `http://127.0.0.1:${port}`, proc });
    }
    spawn([
      'gateway',
      `--port=${new URL(gatewayUrl).port}`,
      '--affinity-header=x-session',
      '--check-interval-ms=500',
      '--recheck-interval-ms=500',
    ]);
    await waitFor(
      'balancers and gateway',
      async () => {
        const all = [...[...balancers.values()].map((b) => b.url), gatewayUrl];
        const rs = await Promise.all(all.map((u) => fetch(`${u}/health_check`)));
        return rs.every((r) => r.ok);
      },
      20_000,
    );
    const push = await fetch(`${gatewayUrl}/zones`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        zones: zones.map((zone) => ({ zone, url: balancers.get(zone)!.url })),
        term: 1,
      }),
    });
    expect(push.status).toBe(200);
  }, 30_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    for (const a of apps) await a.stop(true);
  });

  const ask = async (key: string) => {
    const res = await fetch(`${gatewayUrl}/hello`, { headers: { 'x-session': key } });
    return { status: res.status, zone: ((await res.json()) as { zone?: string }).zone ?? '' };
  };
  const KEYS = Array.from({ length: 24 }, (_, i) => `client-${i}`);

  test("a killed zone balancer's clients fail over to another zone with no failed request; the others keep theirs", async () => {
    const before = new Map<string, string>();
    for (const k of KEYS) before.set(k, (await ask(k)).zone);
    expect(new Set(before.values()).size).toBeGreaterThan(1);
    const victim = before.get(KEYS[0]!)!;

    // Steady traffic from every client while the victim zone's balancer is killed.
    const failures: string[] = [];
    const after = new Map<string, string>();
    let stop = false;
    const traffic = (async () => {
      let round = 0;
      while (!stop && round < 400) {
        round += 1;
        await Promise.all(
          KEYS.map(async (k) => {
            const r = await ask(k).catch((e) => ({ status: 0, zone: String(e) }));
            if (r.status !== 200) failures.push(`${k}: ${r.status} ${r.zone}`);
            else after.set(k, r.zone);
          }),
        );
        await Bun.sleep(20);
      }
    })();
    await Bun.sleep(300);
    balancers.get(victim)!.proc.kill('SIGKILL');
    await Bun.sleep(1_500);
    stop = true;
    await traffic;

    expect(failures).toEqual([]);
    for (const k of KEYS) {
      if (before.get(k) === victim) expect(after.get(k)).not.toBe(victim);
      else expect(after.get(k)).toBe(before.get(k));
    }
    const z = await (await fetch(`${gatewayUrl}/zones`)).json();
    expect(z.zones.find((x: { zone: string }) => x.zone === victim).state).toBe('unavailable');
  }, 30_000);

  test('a push with an older term is refused with 409 and the zones stay', async () => {
    const res = await fetch(`${gatewayUrl}/zones`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ zones: [], term: 0 }),
    });
    expect(res.status).toBe(409);
    expect((await (await fetch(`${gatewayUrl}/zones`)).json()).zones).toHaveLength(3);
  });
});
