/**
 * The Docker runtime running a user's image on the real engine: the shared service contract with
 * the Bun example built locally (`examples/bun-http/Dockerfile`, on the imported base image: no
 * image is pulled) and a base-image command that exits at once, then an image that does not exist,
 * which `start` refuses with the engine's 404. Fails with CI=true when the engine is absent.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { DockerRuntime } from '../../server/adapters/docker/runtime-docker.ts';
import { serviceContract } from '../../server/adapters/runtime.contract.ts';
import type { ServiceSpec } from '../../server/adapters/runtime.ts';
import { freePort } from '../support/ports.ts';
import { buildImage, RUN_ID, requireService } from './services.ts';

const ok = await requireService('docker');
/** The example's image tag. */
const BUN_HTTP_IMAGE = 'zonescale-example/bun-http:local';
const runtimes: DockerRuntime[] = [];
let clusters = 0;

function runtime(): DockerRuntime {
  const rt = new DockerRuntime({ cluster: `s${RUN_ID}${++clusters}` });
  runtimes.push(rt);
  return rt;
}

const bunHttp: ServiceSpec = { image: BUN_HTTP_IMAGE, env: {}, healthPath: '/healthz', readinessDelayMs: 0 };
const exiting: ServiceSpec = {
  image: 'zonescale/bun-base:local',
  args: ['/usr/local/bin/bun', '-e', 'console.log("boom " + process.env.GREETING); process.exit(3)'],
  env: {},
  healthPath: '/',
  readinessDelayMs: 0,
};

beforeAll(async () => {
  if (ok) await buildImage(BUN_HTTP_IMAGE, 'examples/bun-http');
}, 120_000);

afterAll(async () => {
  for (const rt of runtimes) for (const c of await rt.list().catch(() => [])) await rt.stop(c.id);
}, 60_000);

if (ok) {
  serviceContract('docker', () => ({
    runtime: runtime(),
    answering: () => bunHttp,
    exiting: () => exiting,
    port: freePort,
  }));
}

describe.skipIf(!ok)('Docker runtime with a user’s image', () => {
  test('an image that does not exist is refused by start with the engine’s error, and nothing is left', async () => {
    const rt = runtime();
    const spec = {
      id: 'zone1-app-1',
      role: 'app' as const,
      zone: 'zone1',
      port: freePort(),
      args: [],
      env: {},
      service: { ...bunHttp, image: `zonescale-example/does-not-exist:${RUN_ID}` },
    };
    await expect(rt.start(spec)).rejects.toThrow(/no such image/i);
    expect(await rt.list()).toEqual([]);
  }, 30_000);
});
