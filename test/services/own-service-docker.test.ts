/**
 * zonescale running a user's image end to end on the real Docker engine: a one-monitor cluster
 * with RUNTIME=docker (balancers from the zonescale image built from this checkout, tag
 * `zonescale:own-service-test`, so the shared `zonescale:local` is left alone) runs the Bun
 * example image (`examples/bun-http`, built on the local base image) in three zones, as
 * `bun run dev:stack -- --service-image … --health-path /healthz` does; each balancer and the
 * gateway answer from it, and each server's runtimeId is its container id. Then a one-zone cluster
 * of the same image with the threshold rule at `--high-cpu 30` (2 shared cores here) under
 * `bun run load` (20 req/s of `/work?ms=40`, ~80 % of a core in the one Bun process) scales out on
 * the CPU the host agent reads from the engine's container stats (`resourceSource: 'agent'`: the
 * example publishes nothing). Fails with CI=true when the engine is absent; every container is
 * removed (the cluster stopped) after each test and in afterAll.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { devService } from '../../server/dev/service-args.ts';
import type { ClusterState } from '../../server/shared/types.ts';
import { buildImage, REPO, RUN_ID, requireService } from './services.ts';

const ok = await requireService('docker');
const IMAGE = 'zonescale:own-service-test';
const SERVICE_IMAGE = 'zonescale-example/bun-http:local';
const dataDir = mkdtempSync(join(tmpdir(), 'zonescale-own-docker-'));
let cluster: Cluster | null = null;

afterAll(async () => {
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** Builds both images once per run (the zonescale image for the balancers, the example on the local base image). */
let built: Promise<void> | null = null;
const buildImages = () => {
  built ??= (async () => {
    await buildImage(IMAGE);
    await buildImage(SERVICE_IMAGE, 'examples/bun-http');
  })();
  return built;
};

/** A one-monitor Docker cluster running the example image, with `extraArgs` for its monitor. */
async function dockerCluster(name: string, extraArgs: string[] = []): Promise<Cluster> {
  await buildImages();
  const { monitorArgs } = devService(
    { serviceEnv: [], serviceImage: SERVICE_IMAGE, healthPath: '/healthz' },
    REPO,
    'docker',
  );
  cluster = await startCluster({
    basePort: testBasePort('cluster-test'),
    dataDir,
    cluster: `${name}${RUN_ID}`,
    token: randomBytes(24).toString('hex'),
    monitors: 1,
    runtime: 'docker',
    env: { ZONESCALE_IMAGE: IMAGE },
    logLevel: 'warn',
    monitorArgs: [...monitorArgs, ...extraArgs],
  });
  return cluster;
}

describe.skipIf(!ok)('a user’s image scaled by zonescale on Docker', () => {
  test('three zones of the Bun example image answer through their balancers and the gateway', async () => {
    try {
      const c = await dockerCluster('own');
      const s = await c.waitFor('three zones of the image', (st) => clusterReady(st, 3), 120_000);
      for (const z of s.zones) {
        const res = await fetch(`${z.balancer!.url}/`, { signal: AbortSignal.timeout(5_000) });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ service: 'bun-http' });
      }
      const work = await fetch(`${c.gatewayUrl}/work?ms=10`, { signal: AbortSignal.timeout(5_000) });
      expect(await work.json()).toMatchObject({ cpuMs: 10 });
      const { containers } = (await (await fetch(`${s.leader!.url}/containers`)).json()) as {
        containers: { role: string; runtimeId: string }[];
      };
      const apps = containers.filter((x) => x.role === 'app');
      expect(apps).toHaveLength(3);
      for (const a of apps) expect(a.runtimeId).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await cluster?.stop();
    }
  }, 300_000);

  test('the Bun example image scales out on the CPU the agent reads from container stats', async () => {
    let load: ReturnType<typeof Bun.spawn> | null = null;
    try {
      const c = await dockerCluster('owncpu', [
        '--zones=zone1',
        '--policy=threshold',
        '--high-cpu=30',
        '--low-cpu=10',
        '--max-replicas=3',
      ]);
      await c.waitFor('zone1 of the image', (st) => clusterReady(st, 1), 120_000);
      const argv = ['bun', 'run', 'load', '--rate', '20', '--duration', '30', '--zone', 'zone1'];
      load = Bun.spawn([...argv, '--path', '/work?ms=40', '--monitor', c.monitors[0]!.url], {
        env: { ...process.env, ZONESCALE_LOG_LEVEL: 'warn' },
        stdout: 'ignore',
        stderr: 'ignore',
      });
      const zone1 = (st: ClusterState) => st.zones.find((z) => z.zone === 'zone1')!;
      const ups = (st: ClusterState) =>
        st.events.filter(
          (e) => e.zone === 'zone1' && e.kind === 'scale-up' && e.reason === 'AboveHighThreshold',
        );
      const out = await c.waitFor('zone1 to scale out on CPU', (st) => ups(st).length > 0, 60_000);
      expect(ups(out).at(-1)!.message).toMatch(/^zone1 average CPU \d+(\.\d+)? ?% > 30 %: 1 -> 2 replicas/);
      expect(zone1(out).replicas).toBeGreaterThanOrEqual(2);
      const measured = zone1(out).servers.filter((x) => x.cpu !== null);
      expect(measured.length).toBeGreaterThanOrEqual(1);
      for (const x of measured) {
        expect(x.resourceSource).toBe('agent');
        expect(x.memoryMb ?? 0).toBeGreaterThan(1);
      }
    } finally {
      load?.kill();
      await load?.exited;
      await cluster?.stop();
    }
  }, 300_000);
});
