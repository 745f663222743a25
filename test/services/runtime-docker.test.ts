/**
 * The Docker runtime against the real engine of scripts/services.sh: the shared runtime contract
 * with tiny Bun servers in the imported base image (host networking, free ephemeral ports), then
 * what only Docker shows — the container answers on 127.0.0.1 with the spec's env, a second runtime
 * instance (a new leader) recovers every container from the labels, and stats give a CPU figure.
 * Fails with CI=true when the engine is absent.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { DockerRuntime } from '../../server/adapters/docker/runtime-docker.ts';
import { runtimeContract } from '../../server/adapters/runtime.contract.ts';
import type { ContainerSpec } from '../../server/adapters/runtime.ts';
import { freePort } from '../support/ports.ts';
import { eventually, RUN_ID, requireService } from './services.ts';

const ok = await requireService('docker');
const BASE = 'zonescale/bun-base:local';
let clusters = 0;
const runtimes: DockerRuntime[] = [];

/** A free 127.0.0.1 port from the kernel's ephemeral range. */
function runtime(cluster = `t${RUN_ID}${++clusters}`): DockerRuntime {
  const rt = new DockerRuntime({
    cluster,
    image: BASE,
    command: (spec) => ({
      entrypoint: ['/usr/local/bin/bun', '-e'],
      cmd: [
        `Bun.serve({ hostname: '127.0.0.1', port: ${spec.port}, fetch: () => new Response('ok ' + (process.env.GREETING ?? '')) }); setInterval(() => {}, 1000);`,
      ],
    }),
  });
  runtimes.push(rt);
  return rt;
}

const spec = (id: string, env: Record<string, string> = {}): ContainerSpec => ({
  id,
  role: 'app',
  zone: 'zone1',
  port: freePort(),
  args: [],
  env,
});

afterAll(async () => {
  for (const rt of runtimes) for (const c of await rt.list().catch(() => [])) await rt.stop(c.id);
}, 60_000);

if (ok) {
  runtimeContract('docker', () => {
    const rt = runtime();
    return {
      runtime: rt,
      spec,
      async crash(id) {
        const c = (await rt.list()).find((x) => x.id === id);
        if (c) await rt.docker.getContainer(c.runtimeId).kill();
        await eventually(async () => !(await rt.list()).find((x) => x.id === id)?.running, 10_000);
      },
    };
  });
}

describe.skipIf(!ok)('Docker runtime on a real engine', () => {
  test('a container answers on 127.0.0.1 with the spec’s env (host networking)', async () => {
    const rt = runtime();
    const s = spec('zone1-app-1', { GREETING: 'hello' });
    await rt.start(s);
    let body = '';
    expect(
      await eventually(async () => {
        body = await (await fetch(`http://127.0.0.1:${s.port}/`)).text();
        return true;
      }, 10_000),
    ).toBe(true);
    expect(body).toBe('ok hello');
  }, 30_000);

  test('a new runtime instance (a new leader) recovers every container from Docker’s labels', async () => {
    const cluster = `t${RUN_ID}recover`;
    const first = runtime(cluster);
    const a = await first.start({ ...spec('zone1-app-1'), zone: 'zone1' });
    const b = await first.start({ ...spec('zone2-balancer'), role: 'balancer', zone: 'zone2' });
    const other = runtime(); // another cluster's containers stay out of the listing
    await other.start(spec('zone1-app-9'));
    const recovered = await runtime(cluster).list();
    expect(recovered.map((c) => [c.id, c.role, c.zone, c.port, c.runtimeId, c.running])).toEqual([
      [a.id, 'app', 'zone1', a.port, a.runtimeId, true],
      [b.id, 'balancer', 'zone2', b.port, b.runtimeId, true],
    ]);
  }, 30_000);

  test('container stats give a CPU figure, null for an unknown id', async () => {
    const rt = runtime();
    await rt.start(spec('zone1-app-1'));
    const cpu = await rt.cpuPercent('zone1-app-1');
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(await rt.cpuPercent('nope')).toBeNull();
  }, 30_000);
});
