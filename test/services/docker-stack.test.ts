/**
 * The zonescale image and a monitor on the real parts: the Dockerfile builds against the locally
 * imported base image and the image runs `bun server/main.ts`; then a monitor with RUNTIME=docker
 * and the Redis registry bootstraps a zone (balancer + app server as containers with zonescale.*
 * labels), is stopped, and a new monitor process recovers every running container from Docker's
 * labels and the registry without starting duplicates. Ports are free ephemeral ones; every
 * container and process is removed in afterAll. Fails with CI=true when Docker or Redis is absent.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { DockerRuntime } from '../../server/adapters/docker/runtime-docker.ts';
import { freePort } from '../support/ports.ts';
import { buildImage, eventually, REPO, RUN_ID, requireService, SERVICES } from './services.ts';

const ok = await requireService('docker', 'redis');
const cluster = `stack${RUN_ID}`;
const TOKEN = 'stack-test-token-0123456789';
const procs: ReturnType<typeof Bun.spawn>[] = [];
const runtime = new DockerRuntime({ cluster });

afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  for (const c of await runtime.list().catch(() => [])) await runtime.stop(c.id);
}, 60_000);

/** A free 127.0.0.1 port from the kernel's ephemeral range. */
function monitor(id: number, port: number, balancerBase: number, appPort: number) {
  const p = Bun.spawn(
    [
      process.execPath,
      'server/main.ts',
      'monitor',
      '--id',
      String(id),
      '--port',
      String(port),
      '--peers',
      `${id}=http://127.0.0.1:${port}`,
      '--zones',
      'zone1',
      '--balancer-port-base',
      String(balancerBase),
      '--app-ports',
      `${appPort}-${appPort}`,
      '--period-ms',
      '1000',
      '--probe-interval-ms',
      '500',
      '--cluster',
      cluster,
    ],
    {
      cwd: REPO,
      env: { ...process.env, ZONESCALE_TOKEN: TOKEN, RUNTIME: 'docker', REDIS_URL: SERVICES.redisUrl },
      stdout: 'ignore',
      stderr: 'ignore',
    },
  );
  procs.push(p);
  return p;
}

describe.skipIf(!ok)('zonescale image and Docker-run cluster', () => {
  test('the Dockerfile builds on the imported base image and the image runs server/main.ts', async () => {
    const out = await buildImage();
    expect(out).toContain('Successfully tagged zonescale:local');
    const run = Bun.spawn(
      ['/usr/bin/docker', 'run', '--rm', '--network', 'host', 'zonescale:local', 'nope'],
      {
        stdout: 'pipe',
        stderr: 'pipe',
      },
    );
    const [code, err] = await Promise.all([run.exited, new Response(run.stderr).text()]);
    expect(code).toBe(2);
    expect(err).toContain('zonescale: unknown role "nope"');
  }, 300_000);

  test('a monitor restarted with RUNTIME=docker recovers every running container from Docker’s labels', async () => {
    const balancerBase = freePort();
    const appPort = freePort();
    const first = monitor(1, freePort(), balancerBase, appPort);
    const running = async () => (await runtime.list()).filter((c) => c.running);
    expect(
      await eventually(async () => {
        const cs = await running();
        return cs.some((c) => c.role === 'balancer') && cs.some((c) => c.role === 'app');
      }, 60_000),
    ).toBe(true);
    const before = (await running()).map((c) => [c.id, c.role, c.zone, c.port, c.runtimeId]);
    expect(before).toHaveLength(2);
    expect((await fetch(`http://127.0.0.1:${balancerBase}/health_check`)).status).toBe(200);

    first.kill('SIGTERM');
    await first.exited;
    expect((await running()).map((c) => [c.id, c.role, c.zone, c.port, c.runtimeId])).toEqual(before);

    const port = freePort();
    monitor(2, port, balancerBase, appPort);
    // The new leader's view of the containers comes from the registry, checked against Docker.
    expect(
      await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/containers`);
        const body = (await res.json()) as { containers?: { id: string }[] } | { id: string }[];
        const list = Array.isArray(body) ? body : (body.containers ?? []);
        return list.length === 2;
      }, 30_000),
    ).toBe(true);
    await Bun.sleep(3_000); // a few leader periods: nothing is restarted or duplicated
    expect((await running()).map((c) => [c.id, c.role, c.zone, c.port, c.runtimeId])).toEqual(before);
  }, 180_000);
});
