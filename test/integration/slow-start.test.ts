/**
 * Slow start as real processes: a zone balancer (`--slow-start-ms 6000`, round-robin) in front of
 * one warm app server; a second app server joins (`PUT /servers`) under steady traffic, and its
 * share of the requests, measured each second from the balancer's per-server counters
 * (`balancer_requests_total{upstream}`), starts near 10 % and rises to about half of the traffic by
 * the end of the window; `/pools` shows its weight ramping.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../support/ports.ts';

const ROOT = resolve(import.meta.dir, '../..');
const TOKEN = 'slow-start-it-token-0123456789abcdef';
const WINDOW_MS = 6_000;
const dataDir = mkdtempSync(join(tmpdir(), 'zs-slow-start-'));
const children: ReturnType<typeof Bun.spawn>[] = [];
const [appA, appB, bal] = [freePort(), freePort(), freePort()];
const A = `http://127.0.0.1:${appA}`;
const B = `http://127.0.0.1:${appB}`;
const BAL = `http://127.0.0.1:${bal}`;

const spawn = (args: string[]) => {
  const child = Bun.spawn(['bun', 'server/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, ZONESCALE_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
    stdout: 'ignore',
    stderr: 'inherit',
  });
  children.push(child);
};
const app = (id: string, port: number) =>
  spawn([
    'app',
    ...['--id', id, '--zone', 'zone1', '--port', String(port), '--scenario-mode', 'simulate'],
    ...['--collector', 'http://127.0.0.1:1', '--data-dir', dataDir, '--cluster', 'slow-start-it'],
  ]);

async function waitUp(url: string, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (
      await fetch(`${url}/health_check`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await Bun.sleep(100);
  }
  throw new Error(`${url} never answered its health check`);
}

/** Requests each server answered so far, from the balancer's Prometheus counters. */
async function served(): Promise<Record<string, number>> {
  const text = await (await fetch(`${BAL}/metrics`)).text();
  const out: Record<string, number> = { [A]: 0, [B]: 0 };
  for (const m of text.matchAll(/^balancer_requests_total\{([^}]*)\} (\d+)/gm)) {
    const upstream = /upstream="([^"]+)"/.exec(m[1] as string)?.[1];
    if (upstream && upstream in out) out[upstream] = (out[upstream] as number) + Number(m[2]);
  }
  return out;
}

beforeAll(async () => {
  app('zone1-app-1', appA);
  app('zone1-app-2', appB);
  spawn([
    'balancer',
    ...['--zone', 'zone1', '--port', String(bal), '--servers', A, '--slow-start-ms', String(WINDOW_MS)],
    ...['--check-interval-ms', '1000', '--activation-queue', '0', '--data-dir', dataDir],
  ]);
  await Promise.all([waitUp(A), waitUp(B), waitUp(BAL)]);
}, 30_000);

afterAll(async () => {
  for (const c of children) c.kill();
  await Promise.all(children.map((c) => c.exited));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('slow start', () => {
  test("a joining server's share of requests rises over the slow-start window", async () => {
    // Let the warm server pass its own window (it joined when the balancer started).
    await Bun.sleep(WINDOW_MS);
    let running = true;
    const worker = async () => {
      while (running) {
        const r = await fetch(`${BAL}/work?ms=1`).catch(() => null);
        await r?.body?.cancel();
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await Bun.sleep(500);
    const add = await fetch(`${BAL}/servers`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ add: [B] }),
    });
    expect(add.status).toBe(200);
    const pools = async () =>
      ((await (await fetch(`${BAL}/pools`)).json()) as { alive: { url: string; weight: number }[] }).alive;
    const early = (await pools()).find((s) => s.url === B)?.weight ?? -1;
    // Share of B in each second after it joined (from the counters' deltas).
    const shares: number[] = [];
    let prev = await served();
    for (let i = 0; i < Math.ceil(WINDOW_MS / 1_000) + 1; i++) {
      await Bun.sleep(1_000);
      const now = await served();
      const dA = (now[A] as number) - (prev[A] as number);
      const dB = (now[B] as number) - (prev[B] as number);
      shares.push(dA + dB === 0 ? 0 : dB / (dA + dB));
      prev = now;
    }
    const late = (await pools()).find((s) => s.url === B)?.weight ?? -1;
    running = false;
    await Promise.all(workers);
    console.log(
      `slow start: share of the joining server per second: ${shares.map((s) => `${(s * 100).toFixed(0)} %`).join(', ')}`,
    );
    expect(early).toBeGreaterThanOrEqual(10);
    expect(early).toBeLessThan(30);
    expect(late).toBe(100);
    // Round-robin over two servers at weight w: share w / (1 + w) (10 % floor): first second ≈ 9–15 %, last ≈ 50 %.
    expect(shares[0] as number).toBeLessThan(0.2);
    expect(shares.at(-1) as number).toBeGreaterThan(0.4);
    const mid = shares[Math.floor(shares.length / 2)] as number;
    expect(mid).toBeGreaterThan(shares[0] as number);
    expect(mid).toBeLessThan(shares.at(-1) as number);
  }, 40_000);
});
