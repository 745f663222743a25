/**
 * Reconciliation, a new leader's first duty before its first period: the registry is the ground
 * truth and the runtime is brought in line with it. Containers the runtime holds that the registry
 * does not (orphans, e.g. started by a leader that died before recording them) are stopped and
 * removed (`OrphanRemoved`, `orphans.ts`; every period sweeps them too); app servers the registry
 * holds that are not running are removed and replaced by a new server of the same zone
 * (`MissingReplaced`), so the zone keeps its size; a record whose runtime handle changed is updated
 * (`RuntimeIdUpdated`). Missing balancers are left to the period that follows, which recreates and
 * repopulates them.
 */
import type { ZoneId } from '../../shared/types.ts';
import type { LeaderContext } from './context.ts';
import { removeOrphans } from './orphans.ts';
import { createApp } from './replicas.ts';

/**
 * Reconciles the registry with the runtime under `term`. Each change is a `reconcile` event, and a
 * summary event says what was changed (or that both agree). Returns the change messages.
 * @throws StaleTerm / LeaseLapsed when fenced, Error when a replacement cannot start.
 */
export async function reconcile(ctx: LeaderContext, term: number): Promise<string[]> {
  const { registry, runtime } = ctx;
  const changes: string[] = [];
  const note = async (zone: ZoneId | null, reason: string, message: string, serverId: string | null) => {
    changes.push(message);
    await ctx.event({ kind: 'reconcile', zone, reason, message, serverId, term });
  };
  const records = await registry.containers();
  const held = await runtime.list();
  await removeOrphans(ctx, records, held, (zone, message, id) => note(zone, 'OrphanRemoved', message, id));
  const running = new Map(held.filter((c) => c.running).map((c) => [c.id, c]));
  for (const r of records) {
    const c = running.get(r.id);
    if (c && c.runtimeId !== r.runtimeId) {
      await registry.putContainer({ ...r, runtimeId: c.runtimeId }, term);
      await note(
        r.zone,
        'RuntimeIdUpdated',
        `${r.id}: runtime handle ${r.runtimeId} -> ${c.runtimeId}`,
        r.id,
      );
    }
    if (c || r.role !== 'app') continue;
    await runtime.stop(r.id).catch(() => {});
    ctx.ports.release(r.port, r.node);
    await registry.removeContainer(r.id, term);
    const rec = await createApp(ctx, r.zone, term);
    await note(
      r.zone,
      'MissingReplaced',
      `${r.id} (${r.url}) was in the registry but not running: removed and replaced by ${rec.id} (${rec.url})`,
      rec.id,
    );
  }
  const summary =
    changes.length === 0
      ? `registry and runtime agree: ${records.length} containers, nothing to change`
      : `reconciled the registry with the runtime: ${changes.length} changes`;
  await ctx.event({ kind: 'reconcile', zone: null, reason: 'Reconciled', message: summary, term });
  return changes;
}
