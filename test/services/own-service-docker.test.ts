/**
 * zonescale running a user's image end to end on the real Docker engine: a one-monitor cluster
 * with RUNTIME=docker (balancers from the zonescale image built from this checkout, tag
 * `zonescale:own-service-test`, so the shared `zonescale:local` is left alone) runs the Bun
 * example image (`examples/bun-http`, built on the local base image) in three zones, as
 * `bun run dev:stack -- --service-image … --health-path /healthz` does; each balancer and the
 * gateway answer from it, and each server's runtimeId is its container id. Fails with CI=true
 * when the engine is absent; every container is removed in afterAll.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, clusterReady, startCluster } from '../../server/dev/cluster.ts';
import { testBasePort } from '../../server/dev/layout.ts';
import { devService } from '../../server/dev/service-args.ts';
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

describe.skipIf(!ok)('a user’s image scaled by zonescale on Docker', () => {
  test('three zones of the Bun example image answer through their balancers and the gateway', async () => {
    await buildImage(IMAGE);
    await buildImage(SERVICE_IMAGE, 'examples/bun-http');
    const { monitorArgs } = devService(
      { serviceEnv: [], serviceImage: SERVICE_IMAGE, healthPath: '/healthz' },
      REPO,
      'docker',
    );
    cluster = await startCluster({
      basePort: testBasePort('cluster-test'),
      dataDir,
      cluster: `own${RUN_ID}`,
      token: randomBytes(24).toString('hex'),
      monitors: 1,
      runtime: 'docker',
      env: { ZONESCALE_IMAGE: IMAGE },
      logLevel: 'warn',
      monitorArgs,
    });
    const s = await cluster.waitFor('three zones of the image', (st) => clusterReady(st, 3), 120_000);
    for (const z of s.zones) {
      const res = await fetch(`${z.balancer!.url}/`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ service: 'bun-http' });
    }
    const work = await fetch(`${cluster.gatewayUrl}/work?ms=10`, { signal: AbortSignal.timeout(5_000) });
    expect(await work.json()).toMatchObject({ cpuMs: 10 });
    const { containers } = (await (await fetch(`${s.leader!.url}/containers`)).json()) as {
      containers: { role: string; runtimeId: string }[];
    };
    const apps = containers.filter((c) => c.role === 'app');
    expect(apps).toHaveLength(3);
    for (const a of apps) expect(a.runtimeId).toMatch(/^[0-9a-f]{64}$/);
  }, 300_000);
});
