/**
 * The leader's duties against in-memory fakes (`test/support/leader-world.ts`): bootstrap, naming
 * every app server to its balancer, balancer recreation, start failures, fencing by a newer term
 * and by the leader's own lapsed lease, the push of what a balancer lacks or holds astray, and the
 * one queue. Autoscaling on CPU, dead-server reports and reconciliation have their own suites
 * beside this one.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { apps, load, SELF, TOKEN, type World, world } from '../../../test/support/leader-world.ts';
import { StaleTerm } from '../../shared/errors.ts';
import { LeaseLapsed } from './write-guard.ts';

describe('leader duties', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  test('bootstrap creates a balancer and one app server per zone and wires them together', async () => {
    await w.orch.runPeriod(1);
    const all = await w.registry.containers();
    expect(all.filter((r) => r.role === 'balancer').map((r) => [r.id, r.port])).toEqual([
      ['zone1-balancer', 18001],
      ['zone2-balancer', 18002],
      ['zone3-balancer', 18003],
    ]);
    // 19101 is not bindable, so the apps take the next free ports.
    expect(all.filter((r) => r.role === 'app').map((r) => [r.id, r.port])).toEqual([
      ['zone1-app-1', 19102],
      ['zone2-app-1', 19103],
      ['zone3-app-1', 19104],
    ]);
    const bal = w.runtime.lastSpec('zone2-balancer');
    expect(bal?.args).toEqual([
      '--zone',
      'zone2',
      '--port',
      '18002',
      '--id',
      'zone2-balancer',
      '--monitor',
      SELF,
      '--collector',
      'http://127.0.0.1:17000',
      '--check-interval-ms',
      '1000',
    ]);
    expect(bal?.env).toEqual({
      ZONESCALE_TOKEN: TOKEN,
      ZONESCALE_CLUSTER: 'test',
      ZONESCALE_DATA_DIR: '/tmp/zs-test',
    });
    expect(w.runtime.lastSpec('zone1-app-1')?.args).toEqual([
      '--id',
      'zone1-app-1',
      '--zone',
      'zone1',
      '--port',
      '19102',
      '--collector',
      'http://127.0.0.1:17000',
      '--scenario-mode',
      'simulate',
    ]);
    const b1 = w.balancers.balancers.get('http://127.0.0.1:18001');
    expect([...(b1?.alive ?? [])]).toEqual(['http://127.0.0.1:19102']);
    expect(b1?.monitor).toBe(SELF);
    expect(b1?.term).toBe(1);
    const events = await w.registry.events(100);
    expect(events.filter((e) => e.kind === 'balancer-created').map((e) => e.reason)).toEqual([
      'ZoneBootstrap',
      'ZoneBootstrap',
      'ZoneBootstrap',
    ]);
    expect(events.filter((e) => e.kind === 'scale-up').map((e) => [e.reason, e.from, e.to])).toEqual([
      ['BelowMinReplicas', 0, 1],
      ['BelowMinReplicas', 0, 1],
      ['BelowMinReplicas', 0, 1],
    ]);
  });

  test('a second period with nothing changed does nothing', async () => {
    await w.orch.runPeriod(1);
    const started = w.runtime.specs.length;
    const events = (await w.registry.events(100)).length;
    w.clock.now += 10_000;
    await w.orch.runPeriod(1);
    expect(w.runtime.specs.length).toBe(started);
    expect((await w.registry.events(100)).length).toBe(events);
  });

  test('the leader names every app server to its balancer (PUT /servers ids), for the request samples', async () => {
    w.balancers.keepsIds = true;
    await w.orch.runPeriod(1);
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 80);
    await w.orch.runPeriod(1); // scales zone1 out: the new server is added with its id
    await w.orch.runPeriod(1); // a push names any server the balancer holds without one
    const registered = await apps(w, 'zone1');
    expect(registered).toHaveLength(2);
    const bal = (await w.registry.containers()).find((c) => c.id === 'zone1-balancer');
    const ids = w.balancers.balancers.get(bal?.url ?? '')?.ids;
    expect(Object.fromEntries(ids ?? [])).toEqual(Object.fromEntries(registered.map((a) => [a.url, a.id])));
    const add = w.balancers.calls.find(
      (c) => c.method === 'putServers' && JSON.stringify(c.body).includes('zone1-app-2'),
    );
    expect(add?.body).toMatchObject({
      add: [registered[1]?.url],
      ids: { [registered[1]?.url ?? '']: 'zone1-app-2' },
    });
  });

  test('a dead balancer is recreated and repopulated from the registry', async () => {
    await w.orch.runPeriod(1);
    w.runtime.crash('zone3-balancer');
    await w.orch.runPeriod(1);
    const spec = w.runtime.lastSpec('zone3-balancer');
    const app = (await apps(w, 'zone3'))[0]!;
    expect(spec?.args).toContain('--servers');
    expect(spec?.args[spec.args.indexOf('--servers') + 1]).toBe(app.url);
    const [ev] = (await w.registry.events(100)).filter((e) => e.kind === 'balancer-created');
    expect(ev).toMatchObject({ zone: 'zone3', reason: 'BalancerDown' });
  });

  test('an app server that never answers is stopped, removed and recorded', async () => {
    w.down.add('http://127.0.0.1:19102');
    await w.orch.runPeriod(1);
    const events = await w.registry.events(100);
    expect(
      events.some(
        (e) => e.kind === 'reconcile' && e.reason === 'ServiceFailedToStart' && e.serverId === 'zone1-app-1',
      ),
    ).toBe(true);
    expect(w.runtime.stopped).toContain('zone1-app-1');
    expect(await w.registry.container('zone1-app-1')).toBeNull();
    // the other zones were still served
    expect((await apps(w, 'zone2')).length).toBe(1);
  });

  test('a StaleTerm from the registry makes the leader step down and stop its work', async () => {
    await w.orch.runPeriod(1);
    await w.registry.claimLeadership(1, {
      id: 2,
      url: 'http://127.0.0.1:17002',
      term: 2,
      since: w.clock.now,
    });
    const dead = (await apps(w, 'zone1'))[0]!;
    await expect(w.orch.report('zone1', [dead.url], 1)).rejects.toBeInstanceOf(StaleTerm);
    expect(w.staleTerms.length).toBe(1);
    expect(await w.registry.container(dead.id)).not.toBeNull();
    w.runtime.crash('zone1-balancer');
    await expect(w.orch.runPeriod(1)).rejects.toBeInstanceOf(StaleTerm);
    expect(w.staleTerms.length).toBe(2);
  });

  test('a balancer refusing an older term also makes the leader step down', async () => {
    await w.orch.runPeriod(1);
    const b = w.balancers.balancers.get('http://127.0.0.1:18001')!;
    b.term = 5;
    await expect(w.orch.runPeriod(1)).rejects.toBeInstanceOf(StaleTerm);
    expect(w.staleTerms.length).toBe(1);
  });

  test('the push removes strays the balancer holds and adds what it lacks', async () => {
    await w.orch.runPeriod(1);
    const b = w.balancers.balancers.get('http://127.0.0.1:18001')!;
    b.alive.clear();
    b.alive.add('http://127.0.0.1:19999');
    w.clock.now += 1_000;
    await w.orch.runPeriod(1);
    expect([...b.alive]).toEqual([(await apps(w, 'zone1'))[0]!.url]);
  });

  test('a report and a period never interleave', async () => {
    await w.orch.runPeriod(1);
    const dead = (await apps(w, 'zone1'))[0]!;
    await Promise.all([w.orch.runPeriod(1), w.orch.report('zone1', [dead.url], 1), w.orch.runPeriod(1)]);
    expect((await apps(w, 'zone1')).length).toBe(1);
  });
});

describe('leader duties fenced on their own side (lease)', () => {
  test('while the lease has lapsed no registry, runtime or balancer write is sent', async () => {
    let may = true;
    const w = await world({ deps: { mayWrite: () => may } });
    await w.orch.runPeriod(1);
    const specs = w.runtime.specs.length;
    const calls = w.balancers.calls.length;
    const events = (await w.registry.events(500)).length;
    may = false;
    w.runtime.crash('zone1-balancer');
    w.clock.now += 20_000;
    await load(w, 'zone1-app-1', 'zone1', 90);
    await expect(w.orch.runPeriod(1)).rejects.toBeInstanceOf(LeaseLapsed);
    await expect(w.orch.report('zone1', [(await apps(w, 'zone1'))[0]!.url], 1)).rejects.toBeInstanceOf(
      LeaseLapsed,
    );
    await expect(w.orch.leaderElected(3, 1)).rejects.toBeInstanceOf(LeaseLapsed);
    expect(w.runtime.specs.length).toBe(specs);
    expect(w.balancers.calls.length).toBe(calls);
    expect((await w.registry.events(500)).length).toBe(events);
    expect(w.staleTerms).toEqual([]);
  });
});
