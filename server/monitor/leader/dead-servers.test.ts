/**
 * Dead-server reports to the leader against in-memory fakes: a reported server is removed and
 * replaced once however often it is reported, and a server of another zone is left alone.
 */
import { beforeEach, describe, expect, test } from 'bun:test';
import { apps, type World, world } from '../../../test/support/leader-world.ts';

describe('leader duties: dead-server reports', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  test('a reported dead server is removed and replaced once, however often it is reported', async () => {
    await w.orch.runPeriod(1);
    const dead = (await apps(w, 'zone2'))[0]!;
    const first = await w.orch.report('zone2', [dead.url], 1);
    const second = await w.orch.report('zone2', [dead.url, 'http://127.0.0.1:1'], 1);
    expect(first.removed).toEqual([dead.id]);
    expect(second.removed).toEqual([]);
    expect((await apps(w, 'zone2')).map((a) => a.id)).toEqual(['zone2-app-2']);
    expect(w.runtime.stopped).toEqual([dead.id]);
    const events = await w.registry.events(100);
    expect(events.filter((e) => e.kind === 'remove-dead').map((e) => [e.serverId, e.reason])).toEqual([
      [dead.id, 'DeadServerReported'],
    ]);
    expect(events.filter((e) => e.kind === 'replace').map((e) => [e.serverId, e.reason])).toEqual([
      ['zone2-app-2', 'BelowMinReplicas'],
    ]);
    expect([...(w.balancers.balancers.get('http://127.0.0.1:18002')?.alive ?? [])]).toEqual([
      (await apps(w, 'zone2'))[0]!.url,
    ]);
  });

  test('a server of another zone reported by this zone is left alone', async () => {
    await w.orch.runPeriod(1);
    const other = (await apps(w, 'zone1'))[0]!;
    expect((await w.orch.report('zone2', [other.url], 1)).removed).toEqual([]);
    expect((await apps(w, 'zone1')).length).toBe(1);
  });
});
