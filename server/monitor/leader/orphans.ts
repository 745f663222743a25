/**
 * Orphan removal, Kubernetes' garbage collection of objects without an owner: a container the
 * runtime holds for this cluster that the registry (the ground truth) does not name is stopped,
 * its port released, and an `OrphanRemoved` event recorded. A new leader does it in its
 * reconciliation, and every leader at the start of each period, because an orphan can appear
 * after a reconciliation too: a deposed leader whose `runtime.start` passed the write guard just
 * before its lease lapsed spawns the container late, its `putContainer` is refused (stale term),
 * and its own clean-up `stop` is refused by the guard as well. Without the sweep such a container
 * would run until the next election. It cannot catch this leader's own start half-way: every
 * duty runs on one queue and a start records its container (or stops it) before its duty ends.
 */
import type { RuntimeContainer } from '../../adapters/runtime.ts';
import type { ContainerRecord, ZoneId } from '../../shared/types.ts';
import type { LeaderContext } from './context.ts';

/** Records one removal (`OrphanRemoved`, with `message`) the way the caller reports changes. */
export type OrphanNote = (zone: ZoneId, message: string, serverId: string) => Promise<void>;

/**
 * Stops every container of `held` (the runtime's list) that is not in `records` (the registry's),
 * both read by the caller, releases its port and calls `note` for it.
 * @throws LeaseLapsed when the lease has lapsed; what the runtime's `stop` throws.
 */
export async function removeOrphans(
  ctx: LeaderContext,
  records: readonly ContainerRecord[],
  held: readonly RuntimeContainer[],
  note: OrphanNote,
): Promise<void> {
  const known = new Set(records.map((r) => r.id));
  for (const c of held) {
    if (known.has(c.id)) continue;
    await ctx.runtime.stop(c.id);
    ctx.ports.release(c.port, c.node);
    await note(
      c.zone,
      `removed orphan ${c.role} ${c.id} (port ${c.port}): running but not in the registry`,
      c.id,
    );
  }
}

/**
 * A period's sweep: `removeOrphans` against the registry and the runtime as they are now, each
 * removal an `OrphanRemoved` event under `term` (which `ctx.event` also logs).
 * @throws StaleTerm / LeaseLapsed when fenced.
 */
export async function sweepOrphans(ctx: LeaderContext, term: number): Promise<void> {
  const records = await ctx.registry.containers();
  await removeOrphans(ctx, records, await ctx.runtime.list(), (zone, message, serverId) =>
    ctx.event({ kind: 'reconcile', zone, reason: 'OrphanRemoved', message, serverId, term }),
  );
}
