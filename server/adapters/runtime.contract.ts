/**
 * The shared contract suite every `ContainerRuntime` must pass: start lists the container as
 * running, a crashed one stays listed as not running until stopped, stop removes it and is a no-op
 * for an unknown id, starting an id again replaces it. Each adapter's test supplies a harness: the
 * runtime, a spec builder (real adapters need real free ports) and a way to crash a container.
 * `serviceContract` is the same for a user's service (a command or an image): it answers its health
 * path on the port zonescale chose, is listed with its `runtimeId`, a service that exits at once is
 * listed as not running with its output in `logTail`, and `stop` ends it.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { ContainerRuntime, ContainerSpec, ServiceSpec } from './runtime.ts';

/** What an adapter's test supplies: `spec(id)` builds a startable spec; `crash(id)` kills it and resolves once it is dead. */
export interface RuntimeHarness {
  runtime: ContainerRuntime;
  spec(id: string): ContainerSpec | Promise<ContainerSpec>;
  crash(id: string): Promise<void>;
}

/** Registers the contract suite; `factory` returns a harness over a fresh, empty runtime. */
export function runtimeContract(name: string, factory: () => RuntimeHarness | Promise<RuntimeHarness>): void {
  describe(`ContainerRuntime contract: ${name}`, () => {
    let current: RuntimeHarness | null = null;
    const fresh = async () => {
      current = await factory();
      return current;
    };
    afterEach(async () => {
      if (current) for (const c of await current.runtime.list()) await current.runtime.stop(c.id);
      current = null;
    });

    test('a started container is returned and listed as running with its spec’s identity', async () => {
      const h = await fresh();
      const spec = await h.spec('zone1-app-1');
      const started = await h.runtime.start(spec);
      expect(started).toMatchObject({
        id: spec.id,
        role: spec.role,
        zone: spec.zone,
        port: spec.port,
        running: true,
      });
      expect(started.runtimeId).not.toBe('');
      expect(await h.runtime.list()).toEqual([
        expect.objectContaining({ id: spec.id, running: true, runtimeId: started.runtimeId }),
      ]);
    });

    test('a crashed container stays listed as not running until it is stopped', async () => {
      const h = await fresh();
      await h.runtime.start(await h.spec('zone1-app-1'));
      await h.crash('zone1-app-1');
      expect((await h.runtime.list()).map((c) => [c.id, c.running])).toEqual([['zone1-app-1', false]]);
      await h.runtime.stop('zone1-app-1');
      expect(await h.runtime.list()).toEqual([]);
    });

    test('stop removes a container, and stopping an unknown id is a no-op', async () => {
      const h = await fresh();
      await h.runtime.start(await h.spec('zone1-app-1'));
      await h.runtime.start(await h.spec('zone2-app-1'));
      await h.runtime.stop('zone1-app-1');
      await h.runtime.stop('zone1-app-1');
      await h.runtime.stop('never-started');
      expect((await h.runtime.list()).map((c) => c.id)).toEqual(['zone2-app-1']);
    });

    test('starting an id it already holds replaces the old container', async () => {
      const h = await fresh();
      const first = await h.runtime.start(await h.spec('zone1-balancer'));
      const second = await h.runtime.start(await h.spec('zone1-balancer'));
      expect(second.runtimeId).not.toBe(first.runtimeId);
      const listed = await h.runtime.list();
      expect(listed.map((c) => [c.id, c.runtimeId, c.running])).toEqual([
        ['zone1-balancer', second.runtimeId, true],
      ]);
    });
  });
}

/**
 * What an adapter's test supplies for the service suite: `answering()` is a service that serves
 * `healthPath` on `$PORT` (and prints a line), `exiting()` one that prints `boom $GREETING` on its
 * output and exits 3 at once; `port()` a free port.
 */
export interface ServiceHarness {
  runtime: ContainerRuntime;
  answering(): ServiceSpec;
  exiting(): ServiceSpec;
  port(): number;
}

/** `spec`'s id, zone and port with `service`. */
function serviceContainer(id: string, port: number, service: ServiceSpec): ContainerSpec {
  return { id, role: 'app', zone: 'zone1', port, args: [], env: {}, service };
}

/** GETs `url` until it answers 2xx or `ms` pass; resolves the status (0 = never answered). */
async function answered(url: string, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let status = 0;
  while (Date.now() < deadline) {
    status = await fetch(url, { signal: AbortSignal.timeout(500) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status >= 200 && status < 300) return status;
    await Bun.sleep(100);
  }
  return status;
}

/** Registers the service suite (contracts.md section 4): a user's service started, listed, logged and stopped. */
export function serviceContract(name: string, factory: () => ServiceHarness | Promise<ServiceHarness>): void {
  describe(`ContainerRuntime service contract: ${name}`, () => {
    let current: ServiceHarness | null = null;
    afterEach(async () => {
      if (current) for (const c of await current.runtime.list()) await current.runtime.stop(c.id);
      current = null;
    });

    test('a service answers its health path on the port zonescale chose and is listed with its runtimeId', async () => {
      const h = (current = await factory());
      const port = h.port();
      const svc = h.answering();
      const started = await h.runtime.start(serviceContainer('zone1-app-1', port, svc));
      expect(started.runtimeId).toMatch(/^[0-9a-f]+$/);
      expect(await answered(`http://127.0.0.1:${port}${svc.healthPath}`, 15_000)).toBe(200);
      expect(await h.runtime.list()).toEqual([
        expect.objectContaining({ id: 'zone1-app-1', port, running: true, runtimeId: started.runtimeId }),
      ]);
    }, 30_000);

    test('a service that exits at once is listed as not running and its log tail shows why, with its env', async () => {
      const h = (current = await factory());
      const svc = { ...h.exiting(), env: { GREETING: 'from-the-spec' } };
      await h.runtime.start(serviceContainer('zone1-app-2', h.port(), svc));
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await h.runtime.list()).some((c) => c.running)) await Bun.sleep(100);
      expect((await h.runtime.list()).map((c) => [c.id, c.running])).toEqual([['zone1-app-2', false]]);
      expect(await h.runtime.logTail?.('zone1-app-2', 5)).toContain('boom from-the-spec');
    }, 30_000);

    test('stop ends a running service: its port no longer answers and it is not listed', async () => {
      const h = (current = await factory());
      const port = h.port();
      const svc = h.answering();
      await h.runtime.start(serviceContainer('zone1-app-3', port, svc));
      expect(await answered(`http://127.0.0.1:${port}${svc.healthPath}`, 15_000)).toBe(200);
      await h.runtime.stop('zone1-app-3');
      expect(await h.runtime.list()).toEqual([]);
      expect(await answered(`http://127.0.0.1:${port}${svc.healthPath}`, 300)).toBe(0);
    }, 30_000);
  });
}
