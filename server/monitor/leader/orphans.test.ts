/**
 * Orphans found after a reconciliation: every period removes a container the runtime holds and the
 * registry does not, including the one a deposed leader spawns late, whose own clean-up the write
 * guard refuses.
 */
import { describe, expect, test } from 'bun:test';
import { apps, SELF, world } from '../../../test/support/leader-world.ts';
import type { ContainerRuntime } from '../../adapters/runtime.ts';
import { MemoryRuntime } from '../../adapters/runtime-memory.ts';
import { LeaseLapsed } from './write-guard.ts';

describe('leader duties: orphans removed every period', () => {
  test('an orphan that appears after the reconciliation is stopped by the next period, and recorded', async () => {
    const w = await world();
    await w.orch.reconcile(1);
    await w.orch.runPeriod(1);
    await w.runtime.start({ id: 'zone2-app-9', role: 'app', zone: 'zone2', port: 19150, args: [], env: {} });
    await w.orch.runPeriod(1);
    const held = (await w.runtime.list()).map((c) => c.id);
    expect(held).not.toContain('zone2-app-9');
    // The registered containers are untouched: three balancers, one app a zone.
    expect(held.sort()).toEqual((await w.registry.containers()).map((r) => r.id).sort());
    expect(held).toHaveLength(6);
    const removed = (await w.registry.events(100)).filter((e) => e.reason === 'OrphanRemoved');
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ zone: 'zone2', serverId: 'zone2-app-9', term: 1 });
    expect(removed[0]?.message).toContain('running but not in the registry');
    // A period with nothing stray records nothing more.
    await w.orch.runPeriod(1);
    expect((await w.registry.events(100)).filter((e) => e.reason === 'OrphanRemoved')).toHaveLength(1);
  });

  test("a deposed leader's late start is removed by its successor's next period", async () => {
    const inner = new MemoryRuntime();
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let blocked = () => {};
    const reached = new Promise<void>((r) => (blocked = r));
    // The old leader's runtime: zone2's first app start passes the write guard, then waits.
    const slow: ContainerRuntime = {
      list: () => inner.list(),
      stop: (id) => inner.stop(id),
      async start(spec) {
        if (spec.id === 'zone2-app-1') {
          blocked();
          await gate;
        }
        return inner.start(spec);
      },
    };
    let leaseOk = true;
    const old = await world({ deps: { runtime: slow, mayWrite: () => leaseOk } });
    const period = old.orch.runPeriod(1);
    await reached;
    // Its lease lapses meanwhile and monitor 2 takes over and reconciles: nothing is stray yet.
    leaseOk = false;
    await old.registry.claimLeadership(1, { id: 2, url: SELF, term: 2, since: old.clock.now });
    const next = await world({ deps: { registry: old.registry, runtime: inner } });
    expect(await next.orch.reconcile(2)).toEqual([]);
    // The late start spawns; its record and its own clean-up are both refused.
    release();
    await expect(period).rejects.toBeInstanceOf(LeaseLapsed);
    expect((await inner.list()).map((c) => c.id)).toContain('zone2-app-1');
    expect((await old.registry.containers()).map((r) => r.id)).not.toContain('zone2-app-1');

    await next.orch.runPeriod(2);
    const held = await inner.list();
    expect(held.map((c) => c.id)).not.toContain('zone2-app-1');
    const removed = (await old.registry.events(100)).filter((e) => e.reason === 'OrphanRemoved');
    expect(removed.map((e) => [e.serverId, e.term])).toEqual([['zone2-app-1', 2]]);
    // zone2 got a server of its successor's, under a new id, and runs nothing unregistered.
    const zone2 = await apps(old, 'zone2'); // the registry both leaders share
    expect(zone2).toHaveLength(1);
    expect(zone2[0]?.id).not.toBe('zone2-app-1');
    expect(held.map((c) => c.id).sort()).toEqual((await old.registry.containers()).map((r) => r.id).sort());
  });
});
