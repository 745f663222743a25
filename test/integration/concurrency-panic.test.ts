/**
 * The concurrency policy (Knative KPA) with real processes on 127.0.0.1: one monitor, the
 * collector, the gateway, and the balancers and app servers its leader starts; zone1 runs
 * `--zone-policies zone1=concurrency --target-concurrency 1` with bench-like short windows (6 s
 * stable, 2 s panic, 1 s period). `bun run load` sends a burst to zone1 whose in-flight requests
 * are at least twice the target on its one server: the zone scales out at once (`PanicScaleUp`,
 * a `scale-up` event). The burst is then ended, as a real one ends: the zone holds while panicking
 * although both windows want fewer servers (`PanicHold`, a `decision` event and the leader's
 * decision in `/state`), and leaves panic a stable window after the last panic condition
 * (`PanicEnded`). Ending the burst at the scale-up is what makes the hold observable on a loaded
 * machine: a load that kept three slowed servers at 4–5 in flight (under the panic threshold, over
 * the target) kept the stable window wanting three until panic ended, so no tick wanted fewer. The in-flight figures
 * come from the balancer's request samples through the collector into the SQLite store.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import type { ClusterEvent, ClusterState } from '../../server/shared/types.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-kpa-'));
let cluster: Cluster;
let load: ReturnType<typeof Bun.spawn> | null = null;

const zone1Events = (s: ClusterState): ClusterEvent[] => s.events.filter((e) => e.zone === 'zone1').reverse();

beforeAll(async () => {
  cluster = await startCluster({
    basePort: testBasePort('cluster-test'),
    dataDir,
    cluster: 'kpa',
    token: randomBytes(24).toString('hex'),
    monitors: 1,
    scenarioMode: 'simulate',
    logLevel: 'warn',
    monitorArgs: [
      '--zone-policies=zone1=concurrency',
      '--target-concurrency=1',
      '--stable-window-ms=6000',
      '--panic-window-ms=2000',
      '--period-ms=1000',
      '--max-replicas=3',
    ],
  });
  await cluster.waitFor('the cluster to be ready', (s) => clusterReady(s, 3), 90_000);
}, 120_000);

afterAll(async () => {
  load?.kill();
  await load?.exited;
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('concurrency policy with real processes', () => {
  test('a burst at twice the target enters panic (PanicScaleUp), holds (PanicHold) and leaves it (PanicEnded)', async () => {
    const s0 = (await cluster.state())!;
    expect(s0.zones.find((z) => z.zone === 'zone1')?.policy?.kind).toBe('concurrency');
    // 40 req/s of 25 ms busy loops on one single-threaded server: 1 s of CPU a second, so requests queue
    // and well over 2 are in flight (twice the target of 1).
    load = Bun.spawn(
      [
        ...['bun', 'run', 'load', '--rate', '40', '--duration', '6', '--zone', 'zone1'],
        ...['--path', '/work?ms=25', '--monitor', cluster.monitors[0]!.url],
      ],
      { env: { ...process.env, ZONESCALE_LOG_LEVEL: 'warn' }, stdout: 'ignore', stderr: 'ignore' },
    );
    const st = await cluster.waitFor(
      'a PanicScaleUp scale-up of zone1',
      (s) => zone1Events(s).some((e) => e.kind === 'scale-up' && e.reason === 'PanicScaleUp'),
      30_000,
    );
    const panicked = st.zones.find((z) => z.zone === 'zone1')!;
    expect(panicked.replicas).toBeGreaterThanOrEqual(2);
    load.kill();
    await load.exited;
    // The hold that matters: both windows want fewer servers than the zone has, and it keeps them.
    const held = await cluster.waitFor(
      'zone1 to hold its servers while panicking although it wants fewer',
      (s) => {
        const d = s.zones.find((z) => z.zone === 'zone1')?.decision;
        return (
          d?.reason === 'PanicHold' &&
          d.desired === d.replicas &&
          !!d.kpa?.panicking &&
          Math.max(d.kpa.stableDesired, d.kpa.panicDesired) < d.replicas
        );
      },
      30_000,
    );
    expect(held.zones.find((z) => z.zone === 'zone1')?.replicas).toBeGreaterThanOrEqual(2);
    expect(zone1Events(held).some((e) => e.kind === 'decision' && e.reason === 'PanicHold')).toBe(true);
    const ended = await cluster.waitFor(
      'zone1 to leave panic',
      (s) => zone1Events(s).some((e) => e.reason === 'PanicEnded'),
      40_000,
    );
    const reasons = zone1Events(ended).map((e) => e.reason);
    const first = (r: string) => reasons.indexOf(r);
    expect(first('PanicScaleUp')).toBeGreaterThanOrEqual(0);
    expect(first('PanicScaleUp')).toBeLessThan(first('PanicHold'));
    expect(first('PanicHold')).toBeLessThan(first('PanicEnded'));
    if (process.env.KPA_DEBUG)
      for (const e of zone1Events(ended)) console.log(e.ts, e.kind, e.reason, e.from, e.to, e.message);
    const d = ended.zones.find((z) => z.zone === 'zone1')?.decision;
    expect(d?.kpa?.panicking).toBe(false);
  }, 120_000);
});
