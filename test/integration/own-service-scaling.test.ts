/**
 * The Python example (`examples/python-cpu/server.py`, a service zonescale did not write and that
 * publishes nothing) scaled by zonescale with real processes on 127.0.0.1: one monitor, zone1 only,
 * the host agent on, the dev timings (2 s period over 4 s of samples).
 * - On CPU measured from outside: the threshold rule with `--high-cpu 30 --low-cpu 10` (the machine
 *   is 2 shared cores, so a low line); `bun run load` sends 20 req/s of `/work?ms=40` (about 80 % of
 *   one core in the one Python process, whose GIL keeps it to one core): the zone scales out with
 *   `AboveHighThreshold` naming the CPU, its servers' CPU and memory come from the agent
 *   (`resourceSource: 'agent'`), and when the load stops it scales back in to one server.
 * - On concurrency (`--policy concurrency --target-concurrency 1`, 6 s stable / 2 s panic windows,
 *   1 s period): slow requests (`/work?ms=150`, 12 req/s, so ~1.8 in flight on one server) scale it
 *   out with `PanicScaleUp` or `ScaleUp`, the decision carrying the KPA's observed concurrency.
 * Each cluster and load run is stopped in `finally`, the data directory removed in afterAll.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import type { ClusterEvent, ClusterState } from '../../server/shared/types.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-own-scaling-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const PYTHON = ['--service=python3 examples/python-cpu/server.py', '--health-path=/healthz', '--zones=zone1'];

/** zone1's events, oldest first. */
const zone1Events = (s: ClusterState): ClusterEvent[] => s.events.filter((e) => e.zone === 'zone1').reverse();
const zone1 = (s: ClusterState) => s.zones.find((z) => z.zone === 'zone1')!;

/** Runs `body` against a ready one-zone cluster of the Python example with `policyArgs`; stops it and any load after. */
async function withPythonCluster(
  name: string,
  policyArgs: string[],
  body: (c: Cluster, load: (rate: number, seconds: number, path: string) => void) => Promise<void>,
): Promise<void> {
  const loads: ReturnType<typeof Bun.spawn>[] = [];
  const c = await startCluster({
    basePort: testBasePort('cluster-test'),
    dataDir,
    cluster: name,
    token: randomBytes(24).toString('hex'),
    monitors: 1,
    agent: true,
    logLevel: 'warn',
    monitorArgs: [...PYTHON, ...policyArgs],
  });
  try {
    await c.waitFor('zone1 of the Python service', (s) => clusterReady(s, 1), 60_000);
    await body(c, (rate, seconds, path) => {
      const argv = [
        'bun',
        'run',
        'load',
        '--rate',
        String(rate),
        '--duration',
        String(seconds),
        '--zone',
        'zone1',
      ];
      loads.push(
        Bun.spawn([...argv, '--path', path, '--monitor', c.monitors[0]!.url], {
          env: { ...process.env, ZONESCALE_LOG_LEVEL: 'warn' },
          stdout: 'ignore',
          stderr: 'ignore',
        }),
      );
    });
  } finally {
    for (const l of loads) l.kill();
    await Promise.all(loads.map((l) => l.exited));
    await c.stop();
  }
}

describe('the Python example scaled by zonescale', () => {
  test('scales out on CPU measured by the agent and back in when the load stops', async () => {
    await withPythonCluster(
      'py-cpu',
      ['--policy=threshold', '--high-cpu=30', '--low-cpu=10', '--max-replicas=3'],
      async (c, load) => {
        load(20, 20, '/work?ms=40');
        const out = await c.waitFor(
          'zone1 to scale out on CPU',
          (s) => zone1Events(s).some((e) => e.kind === 'scale-up' && e.reason === 'AboveHighThreshold'),
          45_000,
        );
        const up = zone1Events(out).find((e) => e.reason === 'AboveHighThreshold')!;
        expect(up.message).toMatch(/^zone1 average CPU \d+(\.\d+)? ?% > 30 %: 1 -> 2 replicas/);
        expect(zone1(out).replicas).toBeGreaterThanOrEqual(2);
        // The service publishes nothing: the CPU that drove this is the agent's, from outside.
        const measured = zone1(out).servers.filter((x) => x.cpu !== null);
        expect(measured.length).toBeGreaterThanOrEqual(1);
        for (const x of measured) expect(x.resourceSource).toBe('agent');
        const back = await c.waitFor(
          'zone1 back at one server once the load stopped',
          (s) => zone1(s).replicas === 1 && zone1Events(s).some((e) => e.kind === 'scale-down'),
          60_000,
        );
        const down = zone1Events(back).filter((e) => e.kind === 'scale-down');
        for (const e of down) expect(e.message).toMatch(/average CPU \d+(\.\d+)? ?% < 10 %/);
        expect(down.at(-1)!.ts).toBeGreaterThan(up.ts);
      },
    );
  }, 110_000);

  test('scales out on concurrency (slow requests above a target of 1 in flight per server)', async () => {
    await withPythonCluster(
      'py-kpa',
      [
        '--policy=concurrency',
        '--target-concurrency=1',
        '--stable-window-ms=6000',
        '--panic-window-ms=2000',
        '--period-ms=1000',
        '--max-replicas=3',
      ],
      async (c, load) => {
        const st = (await c.state())!;
        expect((zone1(st).policy ?? st.policy).kind).toBe('concurrency');
        load(12, 20, '/work?ms=150');
        let seen: NonNullable<ReturnType<typeof zone1>['decision']> | null = null;
        const out = await c.waitFor(
          'zone1 to scale out on concurrency',
          (s) => {
            const d = zone1(s).decision;
            if (d?.kpa && d.kpa.stableConcurrency > 1) seen = d;
            return zone1Events(s).some(
              (e) => e.kind === 'scale-up' && (e.reason === 'PanicScaleUp' || e.reason === 'ScaleUp'),
            );
          },
          45_000,
        );
        expect(zone1(out).replicas).toBeGreaterThanOrEqual(2);
        // The metric that drove it: the zone's in-flight requests the balancer measured, above 1 a server.
        const d = seen ?? zone1(out).decision;
        expect(d?.kpa).toBeDefined();
        expect(Math.max(d!.kpa!.stableConcurrency, d!.kpa!.panicConcurrency)).toBeGreaterThan(1);
        const up = zone1Events(out).find((e) => e.reason === 'PanicScaleUp' || e.reason === 'ScaleUp')!;
        expect(up.from).toBe(1);
        expect(up.to!).toBeGreaterThanOrEqual(2);
      },
    );
  }, 110_000);
});
