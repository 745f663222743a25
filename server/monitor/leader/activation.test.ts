/**
 * Scale from zero on the leader against in-memory fakes (`test/support/leader-world.ts`): a zone
 * with `minReplicas` 0 is not refilled by the periods, `POST /activate`'s duty starts exactly one
 * server however often it is called (idempotent), records `Activating` / `Activated`, and
 * `ActivationTimeout` when the server never answers its health check.
 */
import { describe, expect, test } from 'bun:test';
import { apps, world } from '../../../test/support/leader-world.ts';
import { HPA_DEFAULT_TARGET_POLICY } from '../../../test/support/policies.ts';
import { MemoryMetricsStore } from '../../adapters/metrics-store-memory.ts';
import { ZoneAutoscaler } from '../autoscale/zone-autoscaler.ts';

const atZero = () => world({ cfg: { policy: { ...HPA_DEFAULT_TARGET_POLICY, minReplicas: 0 } } });

describe('scale from zero (leader)', () => {
  test('with minReplicas 0 the periods create the balancers but do not refill a zone at zero', async () => {
    const w = await atZero();
    await w.orch.runPeriod(1);
    w.clock.now += 15_000;
    await w.orch.runPeriod(1);
    for (const z of ['zone1', 'zone2', 'zone3']) expect(await apps(w, z)).toHaveLength(0);
    expect((await w.registry.containers()).filter((r) => r.role === 'balancer')).toHaveLength(3);
  });

  test('activating a zone at zero starts exactly one server, however often it is asked', async () => {
    const w = await atZero();
    await w.orch.runPeriod(1);
    const answers = await Promise.all([1, 2, 3].map(() => w.orch.activate('zone2', 1)));
    expect(answers.map((a) => a.state)).toEqual(['activating', 'activating', 'activating']);
    await w.orch.idle();
    const started = await apps(w, 'zone2');
    expect(started.map((a) => a.id)).toEqual(['zone2-app-1']);
    expect([...(w.balancers.balancers.get('http://127.0.0.1:18002')?.alive ?? [])]).toEqual([
      started[0]?.url as string,
    ]);
    // The zone has a server now: asked again, the leader adds none.
    expect(await w.orch.activate('zone2', 1)).toEqual({ zone: 'zone2', state: 'active', servers: 1 });
    await w.orch.idle();
    expect(await apps(w, 'zone2')).toHaveLength(1);
    expect(await apps(w, 'zone1')).toHaveLength(0);
    const events = (await w.registry.events(100)).filter((e) => e.zone === 'zone2');
    // Newest first.
    expect(events.map((e) => e.reason)).toEqual(['Activated', 'Activating', 'ZoneBootstrap']);
    // The next period keeps the activated server (min 0 is a floor, not a target).
    await w.orch.runPeriod(1);
    expect(await apps(w, 'zone2')).toHaveLength(1);
  });

  test('a server that never answers its health check is an ActivationTimeout, and a later call tries again', async () => {
    const w = await atZero();
    await w.orch.runPeriod(1);
    w.down.add('http://127.0.0.1:19102');
    await w.orch.activate('zone1', 1);
    await w.orch.idle();
    expect(await apps(w, 'zone1')).toHaveLength(0);
    const reasons = (await w.registry.events(100)).filter((e) => e.zone === 'zone1').map((e) => e.reason);
    expect(reasons).toContain('ActivationTimeout');
    w.down.clear();
    // The failed start backs the zone off (ServiceFailedToStart, 2 s first): the later call comes after it.
    w.clock.now += 2_000;
    expect((await w.orch.activate('zone1', 1)).state).toBe('activating');
    await w.orch.idle();
    expect(await apps(w, 'zone1')).toHaveLength(1);
  });

  test("the autoscaler records an activation as the zone's last activity", () => {
    const a = new ZoneAutoscaler({ policy: HPA_DEFAULT_TARGET_POLICY }, new MemoryMetricsStore());
    expect(a.lastActiveAt('zone1')).toBeNull();
    a.activated('zone1', 5_000);
    a.activated('zone1', 4_000);
    expect(a.lastActiveAt('zone1')).toBe(5_000);
    expect(a.lastActiveAt('zone2')).toBeNull();
  });
});
