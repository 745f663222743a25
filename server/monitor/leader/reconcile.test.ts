/**
 * A new leader's reconciliation of the registry with the runtime against in-memory fakes: orphans
 * removed, missing app servers replaced, each change recorded, and nothing changed when both agree.
 */
import { describe, expect, test } from 'bun:test';
import { apps, world } from '../../../test/support/leader-world.ts';

describe('leader duties: reconcile (a new leader)', () => {
  test('orphans are removed, missing app servers replaced, and each change recorded', async () => {
    const w = await world();
    await w.orch.runPeriod(1);
    // An orphan the registry does not know, and a registered app that is not running.
    await w.runtime.start({ id: 'zone2-app-9', role: 'app', zone: 'zone2', port: 19150, args: [], env: {} });
    w.runtime.crash('zone3-app-1');
    const changes = await w.orch.reconcile(1);
    expect(changes).toHaveLength(2);
    expect((await w.runtime.list()).map((c) => c.id)).not.toContain('zone2-app-9');
    const zone3 = await apps(w, 'zone3');
    expect(zone3.map((a) => a.id)).toEqual(['zone3-app-2']);
    expect((await w.runtime.list()).find((c) => c.id === 'zone3-app-2')?.running).toBe(true);
    const rec = (await w.registry.events(100)).filter((e) => e.kind === 'reconcile');
    expect(rec.map((e) => e.reason)).toEqual(['Reconciled', 'MissingReplaced', 'OrphanRemoved']);
    expect(rec[0]?.message).toContain('2 changes');
    expect(rec[1]?.message).toContain('zone3-app-1');
  });

  test('when the registry and the runtime agree it changes nothing and says so', async () => {
    const w = await world();
    await w.orch.runPeriod(1);
    const specs = w.runtime.specs.length;
    expect(await w.orch.reconcile(1)).toEqual([]);
    expect(w.runtime.specs.length).toBe(specs);
    const [ev] = await w.registry.events(1);
    expect(ev).toMatchObject({ kind: 'reconcile', reason: 'Reconciled' });
    expect(ev?.message).toContain('nothing to change');
  });
});
