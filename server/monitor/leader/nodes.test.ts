/**
 * The leader on a multi-node runtime (`test/support/node-runtime.ts`, the swarm runtime's own
 * placement rule over fake nodes): a zone's servers spread over the nodes labelled for it, each
 * registered with its node and its node's address (never loopback), app ports allocated per node,
 * a zone with no schedulable node refused with one event while the other zones go on, a new leader
 * restarting nothing, and a lost node's servers replaced on the zone's other node.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { apps, load, type World, world } from '../../../test/support/leader-world.ts';
import { NodeRuntime } from '../../../test/support/node-runtime.ts';

const NODES = [
  { id: 'n1', address: '10.0.0.1', zones: ['zone1', 'zone2'] },
  { id: 'n2', address: '10.0.0.2', zones: ['zone1'] },
];

describe('leader placement on a multi-node runtime', () => {
  let w: World;
  let rt: NodeRuntime;
  beforeEach(async () => {
    rt = new NodeRuntime(NODES, () => w.clock.now);
    w = await world({ deps: { runtime: rt }, cfg: { zones: ['zone1', 'zone2', 'zone3'] } });
    w.runtime = rt;
    await w.orch.leaderElected(3, 1);
  });

  test('bootstrap spreads zone1 over its two nodes and registers each server’s node and address', async () => {
    const out = await w.orch.runPeriod(1);
    const recs = await w.registry.containers();
    // The registry sorts by createdAt (one clock tick here), then id.
    expect(recs.map((r) => [r.id, r.node, r.url])).toEqual([
      ['zone1-app-1', 'n2', 'http://10.0.0.2:19102'],
      ['zone1-balancer', 'n1', 'http://10.0.0.1:18001'],
      // Per-node ports: n1 had no app yet, so zone2's first app takes the same port as zone1's on n2.
      ['zone2-app-1', 'n1', 'http://10.0.0.1:19102'],
      ['zone2-balancer', 'n1', 'http://10.0.0.1:18002'],
    ]);
    expect(rt.lastSpec('zone1-app-1')).toMatchObject({ node: 'n2' });
    expect(rt.lastSpec('zone1-app-1')?.args).toEqual(
      expect.arrayContaining(['--host', '10.0.0.2', '--advertise-address', '10.0.0.2']),
    );
    expect(rt.lastSpec('zone1-balancer')?.args).toEqual(expect.arrayContaining(['--host', '10.0.0.1']));
    // The balancer got its zone's server at the node address.
    expect([...(w.balancers.balancers.get('http://10.0.0.1:18001')?.alive ?? [])]).toEqual([
      'http://10.0.0.2:19102',
    ]);
    expect(out.find((o) => o.zone === 'zone3')?.error).toMatch(/no swarm node is labelled for zone3/);
  });

  test('a zone with no schedulable node is refused with one NoSchedulableNode event, not one a period', async () => {
    await w.orch.runPeriod(1);
    await w.orch.runPeriod(1);
    const refusals = (await w.registry.events(100)).filter((e) => e.reason === 'NoSchedulableNode');
    expect(refusals.map((e) => [e.zone, e.kind])).toEqual([['zone3', 'reconcile']]);
    expect(await apps(w, 'zone3')).toEqual([]);
    expect((await apps(w, 'zone1')).length).toBe(1);
  });

  test('a third zone1 server goes to the node with fewer of zone1’s, each node’s ports counted apart', async () => {
    await w.orch.runPeriod(1);
    // High CPU on zone1 grows it one server a period (the threshold policy).
    for (const id of ['zone1-app-2', 'zone1-app-3']) {
      w.clock.now += 60_000;
      for (const a of await apps(w, 'zone1')) await load(w, a.id, 'zone1', 95);
      await w.orch.runPeriod(1);
      expect((await apps(w, 'zone1')).map((a) => a.id)).toContain(id);
    }
    const byId = new Map((await apps(w, 'zone1')).map((a) => [a.id, a]));
    const a2 = byId.get('zone1-app-2') ?? { node: '', url: '' };
    const a3 = byId.get('zone1-app-3') ?? { node: '', url: '' };
    expect([a2.node, a2.url]).toEqual(['n1', 'http://10.0.0.1:19103']);
    expect([a3.node, a3.url]).toEqual(['n2', 'http://10.0.0.2:19103']);
  });

  test('a new leader over the same registry and runtime restarts nothing and talks to the registered balancers', async () => {
    await w.orch.runPeriod(1);
    const started = rt.specs.length;
    const next = await world({
      deps: { runtime: rt, registry: w.registry },
      cfg: { zones: ['zone1', 'zone2'] },
    });
    await next.registry.claimLeadership(1, { id: 3, url: 'http://127.0.0.1:17003', term: 2, since: 0 });
    await next.orch.leaderElected(3, 2);
    expect(await next.orch.reconcile(2)).toEqual([]);
    await next.orch.runPeriod(2);
    expect(rt.specs.length).toBe(started);
    expect(next.balancers.balancers.get('http://10.0.0.1:18001')?.term).toBe(2);
  });

  test('a lost node’s server is replaced on the zone’s other node', async () => {
    await w.orch.runPeriod(1);
    rt.nodeDown('n2');
    // The new leader's reconcile finds zone1-app-1 (on n2) not running and replaces it.
    const changes = await w.orch.reconcile(1);
    expect(changes.join('\n')).toMatch(/zone1-app-1 .* replaced by zone1-app-2/);
    expect((await apps(w, 'zone1')).map((r) => [r.id, r.node, r.url])).toEqual([
      ['zone1-app-2', 'n1', 'http://10.0.0.1:19103'],
    ]);
  });
});
