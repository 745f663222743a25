/**
 * Two monitor replicas in this process (`startMonitor`) on embedded defaults, with an in-process
 * collector, managing one zone whose balancer and app server are real processes started by the
 * process runtime. It checks the leader's bootstrap, the follower's 421 on `/report`, an idempotent
 * report of an unknown server, and failover: when the leader stops, the other replica wins a
 * higher term, takes over the running containers without restarting them, and the balancer learns
 * the new leader and term. Every process and temp file is cleaned up, even on failure.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRuntime } from '../../server/adapters/select.ts';
import { startCollector } from '../../server/collector/start.ts';
import { parseConfig } from '../../server/config/parse.ts';
import { CollectorConfig, MonitorConfig } from '../../server/config/roles.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { startMonitor } from '../../server/monitor/start.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { RoleHandle } from '../../server/shared/role.ts';
import type { ClusterState } from '../../server/shared/types.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-monitor-it-'));
const base = testBasePort('monitor-test');
const token = randomBytes(24).toString('hex');
const cluster = 'monit';
const url = (port: number) => `http://127.0.0.1:${port}`;
const peers = `1=${url(base + 1)},2=${url(base + 2)}`;
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

let collector: RoleHandle | null = null;
const monitors = new Map<number, RoleHandle>();

function monitorArgs(id: number): string[] {
  return [
    '--id',
    String(id),
    '--peers',
    peers,
    '--port',
    String(base + id),
    '--zones',
    'zone1',
    '--balancer-port-base',
    String(base + 10),
    '--app-ports',
    `${base + 20}-${base + 40}`,
    '--collector',
    url(base),
    '--data-dir',
    dataDir,
    '--cluster',
    cluster,
    '--probe-interval-ms',
    '500',
    '--election-timeout-ms',
    '300',
    '--period-ms',
    '1000',
    '--window-ms',
    '3000',
    '--app-args=--scenario-mode simulate --sample-interval-ms 500',
    '--balancer-args=--check-interval-ms 500 --recheck-interval-ms 500 --dead-after 2 --report-interval-ms 1000',
  ];
}

async function startReplica(id: number) {
  const cfg = parseConfig(MonitorConfig, monitorArgs(id), { ZONESCALE_TOKEN: token });
  monitors.set(id, await startMonitor(cfg, silentLogger));
}

async function json<T>(u: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(u, { ...init, signal: AbortSignal.timeout(3_000) });
  return { status: res.status, body: (await res.json()) as T };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const state = async (id: number) => (await json<ClusterState>(`${url(base + id)}/state`)).body;

beforeAll(async () => {
  const ccfg = parseConfig(
    CollectorConfig,
    ['--port', String(base), '--data-dir', dataDir, '--cluster', cluster],
    { ZONESCALE_TOKEN: token },
  );
  collector = await startCollector(ccfg, silentLogger);
  await startReplica(2);
  await startReplica(1);
}, 30_000);

afterAll(async () => {
  for (const m of monitors.values()) await m.stop().catch(() => {});
  await collector?.stop().catch(() => {});
  const runtime = openRuntime({ runtime: 'process', dataDir, cluster });
  for (const c of await runtime.list()) await runtime.stop(c.id).catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('monitor replicas', () => {
  test('the higher id leads and bootstraps the zone: a balancer and one alive app server', async () => {
    const s = await waitFor('zone1 ready', async () => {
      const st = await state(2);
      const z = st.zones.find((x) => x.zone === 'zone1');
      return st.leader?.id === 2 &&
        z?.balancer?.status === 'up' &&
        z.servers.length === 1 &&
        z.servers[0]?.state === 'alive'
        ? st
        : null;
    });
    expect(s.monitors.map((m) => [m.id, m.status])).toEqual([
      [1, 'follower'],
      [2, 'leader'],
    ]);
    expect(s.events.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['leader-elected', 'balancer-created', 'scale-up']),
    );
  }, 40_000);

  test('a follower answers /report with 421 naming the leader; the leader treats an unknown URL as a no-op', async () => {
    const body = JSON.stringify({ zone: 'zone1', servers: [url(base + 99)] });
    const f = await json<{ error: string; details: { leader: { id: number } } }>(`${url(base + 1)}/report`, {
      method: 'PUT',
      headers: auth,
      body,
    });
    expect(f.status).toBe(421);
    expect(f.body.details.leader.id).toBe(2);
    const l = await json<{ removed: string[] }>(`${url(base + 2)}/report`, {
      method: 'PUT',
      headers: auth,
      body,
    });
    expect(l.status).toBe(200);
    expect(l.body.removed).toEqual([]);
    const noToken = await fetch(`${url(base + 2)}/report`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(noToken.status).toBe(401);
  });

  test('when the leader stops, the other replica wins a higher term and takes over the running containers', async () => {
    const before = await state(1);
    const term = before.leader!.term;
    const app = before.zones[0]!.servers[0]!;
    await monitors.get(2)!.stop();
    monitors.delete(2);
    const after = await waitFor('monitor 1 to lead', async () => {
      const st = await state(1);
      return st.leader?.id === 1 && st.monitors.find((m) => m.id === 1)?.status === 'leader' ? st : null;
    });
    expect(after.leader!.term).toBeGreaterThan(term);
    const pools = await waitFor('the balancer to learn the new leader', async () => {
      const p = (
        await json<{ monitor: string; term: number; alive: { url: string }[] }>(`${url(base + 10)}/pools`)
      ).body;
      return p.monitor === url(base + 1) ? p : null;
    });
    expect(pools.term).toBe(after.leader!.term);
    expect(pools.alive.map((s) => s.url)).toEqual([app.url]);
    expect(after.zones[0]!.servers.map((s) => s.id)).toEqual([app.id]);
  }, 30_000);
});
