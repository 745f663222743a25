/**
 * The leader's duties autoscaling zones on CPU against in-memory fakes
 * (`test/support/leader-world.ts`): under the threshold policy a zone scales up by one with the
 * reason and the numbers, cools down after an action, and scales in by its newest app server
 * (balancer first, then runtime, then registry); under target tracking it adds as many servers as
 * the ratio asks in one period and holds a scale-down for its stabilization window, recorded once.
 * Zones scaled on the balancers' request metrics have their own suite beside this one.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { apps, load, type World, world } from '../../../test/support/leader-world.ts';
import { HPA_DEFAULT_TARGET_POLICY } from '../../../test/support/policies.ts';
import type { TargetPolicy } from '../../shared/types.ts';

/** Bootstraps `w`, then runs the period after zone1's one server reported 80 % CPU (zone1 at 2 servers). */
async function scaledUpOnce(w: World): Promise<void> {
  await w.orch.runPeriod(1);
  w.clock.now += 20_000;
  await load(w, 'zone1-app-1', 'zone1', 80);
  await w.orch.runPeriod(1);
}

describe('leader duties', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  test('high CPU scales the zone up by one with the reason and the numbers', async () => {
    await w.orch.runPeriod(1);
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 72.4);
    await load(w, 'ghost-app', 'zone1', 1); // not in the registry: ignored
    const out = await w.orch.runPeriod(1);
    expect(out.find((o) => o.zone === 'zone1')).toMatchObject({
      acted: true,
      decision: { reason: 'AboveHighThreshold', desired: 2 },
    });
    expect((await apps(w, 'zone1')).map((a) => a.id)).toEqual(['zone1-app-1', 'zone1-app-2']);
    const [ev] = await w.registry.events(1);
    expect(ev).toMatchObject({
      kind: 'scale-up',
      zone: 'zone1',
      reason: 'AboveHighThreshold',
      from: 1,
      to: 2,
      serverId: 'zone1-app-2',
      term: 1,
    });
    expect(ev?.message).toBe('zone1 average CPU 72.4 % > 60 %: 1 -> 2 replicas');
    expect(w.balancers.balancers.get('http://127.0.0.1:18001')?.alive.size).toBe(2);
  });

  test('the next period after an action is cooling down', async () => {
    await scaledUpOnce(w);
    w.clock.now += 5_000;
    const out = await w.orch.runPeriod(1);
    expect(out.find((o) => o.zone === 'zone1')?.decision?.reason).toBe('CoolingDown');
    expect((await apps(w, 'zone1')).length).toBe(2);
  });

  test('low CPU removes the newest app server: balancer first, then runtime, then registry', async () => {
    await scaledUpOnce(w);
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 5);
    await load(w, 'zone1-app-2', 'zone1', 5);
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).map((a) => a.id)).toEqual(['zone1-app-1']);
    expect(w.runtime.stopped).toEqual(['zone1-app-2']);
    const removeCall = w.balancers.calls.findLast((c) => c.method === 'putServers');
    expect(removeCall?.body).toEqual({ remove: ['http://127.0.0.1:19105'], term: 1 });
    const [ev] = await w.registry.events(1);
    expect(ev).toMatchObject({
      kind: 'scale-down',
      reason: 'BelowLowThreshold',
      from: 2,
      to: 1,
      serverId: 'zone1-app-2',
    });
  });
});

describe('leader duties with target tracking', () => {
  const target: TargetPolicy = {
    ...HPA_DEFAULT_TARGET_POLICY,
    metrics: [{ name: 'cpu', target: 50 }],
    initializationMs: 0,
    cooldownMs: 0,
    scaleDown: { ...HPA_DEFAULT_TARGET_POLICY.scaleDown, stabilizationWindowMs: 30_000 },
  };

  test('a zone on target tracking adds as many servers as the ratio asks, in one period', async () => {
    const w = await world({ cfg: { zonePolicies: { zone1: target } } });
    await w.orch.runPeriod(1);
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 150);
    const out = await w.orch.runPeriod(1);
    expect(out.find((o) => o.zone === 'zone1')?.decision).toMatchObject({
      desired: 3,
      reason: 'AboveTarget',
    });
    expect((await apps(w, 'zone1')).map((a) => a.id)).toEqual(['zone1-app-1', 'zone1-app-2', 'zone1-app-3']);
    const ups = (await w.registry.events(100)).filter(
      (e) => e.kind === 'scale-up' && e.reason === 'AboveTarget',
    );
    expect(ups.map((e) => [e.from, e.to])).toEqual([
      [2, 3],
      [1, 2],
    ]);
    expect(w.orch.decisions().get('zone1')).toMatchObject({ replicas: 1, desired: 3, reason: 'AboveTarget' });
  });

  test('a scale-down waits out its stabilization window and records the hold once as a decision event', async () => {
    const w = await world({ cfg: { zonePolicies: { zone1: target } } });
    await w.orch.runPeriod(1);
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 100);
    await w.orch.runPeriod(1); // 1 -> 2
    const ids = (await apps(w, 'zone1')).map((a) => a.id);
    for (let i = 0; i < 2; i++) {
      w.clock.now += 10_000;
      for (const id of ids) await load(w, id, 'zone1', 10);
      const out = await w.orch.runPeriod(1);
      expect(out.find((o) => o.zone === 'zone1')?.decision?.reason).toBe('ScaleDownStabilized');
      expect((await apps(w, 'zone1')).length).toBe(2);
      const holds = (await w.registry.events(100)).filter((e) => e.kind === 'decision' && e.zone === 'zone1');
      expect(holds.map((e) => e.reason)).toEqual(['ScaleDownStabilized']);
    }
    w.clock.now += 31_000;
    for (const id of ids) await load(w, id, 'zone1', 10);
    await w.orch.runPeriod(1);
    expect((await apps(w, 'zone1')).map((a) => a.id)).toEqual(['zone1-app-1']);
  });
});
