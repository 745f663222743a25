/**
 * Scale from zero as real processes (collector, one monitor, gateway, and the balancers and app
 * servers the leader starts through the process runtime). The cluster starts with `--policy target
 * --min-replicas 0`, so the leader creates each zone's balancer but no app server: every zone starts
 * at zero (that is how these tests put a zone at zero without the concurrency policy). Then: one
 * request to a zone at zero is held by its balancer, the balancer asks the leader (`POST /activate`),
 * and the request is answered 200 with no client retry; 50 concurrent requests to another zone at
 * zero all get 200 and the zone gets exactly one server; the events name each step.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { devBalancerArgs } from '../../server/dev/timings.ts';
import type { ClusterEvent, ClusterState, ContainerRecord } from '../../server/shared/types.ts';
import { waitForBalancersToKnowLeader } from '../support/balancer-leader.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-activation-'));
// Shares the monitor suite's port window: files of one `bun test` run one after another.
const basePort = testBasePort('monitor-test');
let cluster: Cluster;

const balancerOf = (s: ClusterState, z: string) => s.zones.find((x) => x.zone === z)?.balancer?.url ?? '';
const leaderUrl = async () => (await cluster.state())?.leader?.url ?? '';
const getJson = async <T>(url: string): Promise<T> =>
  (await fetch(url, { signal: AbortSignal.timeout(2_000) })).json() as Promise<T>;
const appsOf = async (zone: string) =>
  (await getJson<{ containers: ContainerRecord[] }>(`${await leaderUrl()}/containers`)).containers.filter(
    (c) => c.role === 'app' && c.zone === zone,
  );

beforeAll(async () => {
  cluster = await startCluster({
    basePort,
    dataDir,
    cluster: 'activation-it',
    token: randomBytes(24).toString('hex'),
    monitors: 1,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    monitorArgs: [
      '--zones=zone1,zone2',
      '--policy=target',
      '--min-replicas=0',
      `--balancer-args=${devBalancerArgs()} --activation-timeout-ms 20000`,
    ],
  });
  await cluster.waitFor(
    'a leader and both zone balancers up, at zero',
    (s) =>
      s.leader !== null &&
      s.zones.length === 2 &&
      s.zones.every((z) => z.balancer?.status === 'up' && z.replicas === 0),
    90_000,
  );
  // Each balancer must know its leader (pushed with PUT /monitor) before it can ask it for a server.
  const s = (await cluster.state()) as ClusterState;
  await waitForBalancersToKnowLeader(['zone1', 'zone2'].map((z) => balancerOf(s, z)));
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('scale from zero with requests held at the balancer', () => {
  test('a zone at zero answers its first request 200 without any client retry', async () => {
    const bal = balancerOf((await cluster.state()) as ClusterState, 'zone1');
    expect(await appsOf('zone1')).toHaveLength(0);
    const health = await getJson<{ alive: number; activation: string }>(`${bal}/health_check`);
    expect(health).toMatchObject({ alive: 0, activation: 'idle' });
    const t0 = performance.now();
    const res = await fetch(`${bal}/work?ms=1`, { signal: AbortSignal.timeout(25_000) });
    const ms = performance.now() - t0;
    expect(res.status).toBe(200);
    await res.body?.cancel();
    console.log(`cold start: first request to zone1 at zero answered in ${ms.toFixed(0)} ms`);
    expect(await appsOf('zone1')).toHaveLength(1);
    const metrics = await (await fetch(`${bal}/metrics`)).text();
    expect(metrics).toMatch(/balancer_activation_requests_total\{step="held",zone="zone1"\} 1/);
    expect(metrics).toMatch(/balancer_activation_requests_total\{step="resumed",zone="zone1"\} 1/);
  }, 30_000);

  test('50 concurrent requests to a zone at zero all succeed, and the zone gets exactly one server', async () => {
    const bal = balancerOf((await cluster.state()) as ClusterState, 'zone2');
    expect(await appsOf('zone2')).toHaveLength(0);
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await fetch(`${bal}/work?ms=1&i=${i}`, { signal: AbortSignal.timeout(25_000) });
        await res.body?.cancel();
        return res.status;
      }),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(50);
    expect(await appsOf('zone2')).toHaveLength(1);
    // The server is in the balancer (so requests are served) just before `Activated` is recorded.
    const reasons = async () =>
      ((await getJson<{ events?: ClusterEvent[] }>(`${await leaderUrl()}/state`)).events ?? [])
        .filter((e) => e.zone === 'zone2')
        .map((e) => e.reason);
    const end = Date.now() + 5_000;
    while (!(await reasons()).includes('Activated') && Date.now() < end) await Bun.sleep(100);
    expect(await reasons()).toContain('Activating');
    expect(await reasons()).toContain('Activated');
  }, 30_000);
});
