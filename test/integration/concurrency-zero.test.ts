/**
 * Scale to zero and back on the concurrency policy with real processes (collector, one monitor,
 * gateway, and the balancers and app servers its leader starts): `--policy concurrency
 * --min-replicas 0` with bench-like windows (6 s stable, 2 s panic, 2 s grace, 1 s period). A zone
 * starts at zero; its first request is held by the balancer and activates it (`POST /activate`,
 * which also restarts the autoscaler's grace); once no request came for a stable window and the
 * grace, the KPA removes the last server (`ScaledToZero`) and the leader does not refill it; the
 * next request is answered 200 again.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import type { ClusterState } from '../../server/shared/types.ts';
import { waitForBalancersToKnowLeader } from '../support/balancer-leader.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-kpa-zero-'));
let cluster: Cluster;

const zone1 = (s: ClusterState) => s.zones.find((z) => z.zone === 'zone1');

beforeAll(async () => {
  cluster = await startCluster({
    basePort: testBasePort('term-test'),
    dataDir,
    cluster: 'kpa-zero',
    token: randomBytes(24).toString('hex'),
    monitors: 1,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    monitorArgs: [
      '--zones=zone1',
      '--policy=concurrency',
      '--min-replicas=0',
      '--stable-window-ms=6000',
      '--panic-window-ms=2000',
      '--scale-to-zero-grace-ms=2000',
      '--period-ms=1000',
    ],
  });
  const s = await cluster.waitFor(
    'zone1 balancer up, at zero, knowing its leader',
    (st) => st.leader !== null && zone1(st)?.balancer?.status === 'up' && zone1(st)?.replicas === 0,
    90_000,
  );
  await waitForBalancersToKnowLeader([zone1(s)!.balancer!.url]);
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('concurrency policy: scale to zero and back', () => {
  test('a zone at zero is activated by a request, scales to zero once idle, stays there, and serves again', async () => {
    const bal = zone1((await cluster.state())!)!.balancer!.url;
    const once = async () => {
      const res = await fetch(`${bal}/work?ms=1`, { signal: AbortSignal.timeout(25_000) });
      await res.body?.cancel();
      return res.status;
    };
    expect(await once()).toBe(200);
    // The view catches up with the activation within a period.
    await cluster.waitFor('zone1 at one server', (st) => zone1(st)?.replicas === 1, 5_000);
    const zero = await cluster.waitFor(
      'zone1 to scale to zero',
      (s) =>
        zone1(s)?.replicas === 0 && s.events.some((e) => e.zone === 'zone1' && e.reason === 'ScaledToZero'),
      40_000,
    );
    const down = zero.events.find((e) => e.zone === 'zone1' && e.reason === 'ScaledToZero')!;
    expect([down.kind, down.from, down.to]).toEqual(['scale-down', 1, 0]);
    // Stays at zero on purpose: three more periods and no server.
    await Bun.sleep(3_000);
    const still = (await cluster.state())!;
    expect(zone1(still)?.replicas).toBe(0);
    expect(zone1(still)?.decision?.reason).toBe('AtZero');
    expect(await once()).toBe(200);
    await cluster.waitFor('zone1 at one server again', (st) => zone1(st)?.replicas === 1, 5_000);
  }, 90_000);
});
