/**
 * The shared contract suite every `ContainerRuntime` must pass: start lists the container as
 * running, a crashed one stays listed as not running until stopped, stop removes it and is a no-op
 * for an unknown id, starting an id again replaces it. Each adapter's test supplies a harness: the
 * runtime, a spec builder (real adapters need real free ports) and a way to crash a container.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import type { ContainerRuntime, ContainerSpec } from './runtime.ts';

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
