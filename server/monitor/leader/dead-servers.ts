/**
 * Dead-server handling: a zone balancer reports the servers its dead pool holds (`PUT /report`);
 * each reported URL that is an app server of that zone in the registry is stopped, its port
 * released (quarantined) and its record removed, with a `remove-dead` event (`DeadServerReported`).
 * Unknown or already removed URLs are no-ops, so a repeated or late report removes once. When
 * something was removed the zone is refilled to its minimum (`replace`, `BelowMinReplicas`) and
 * pushed to its balancer.
 */
import { rethrowFenced } from '../../shared/errors.ts';
import type { ZoneId } from '../../shared/types.ts';
import { normalizeUrl, pushZone } from './balancers.ts';
import type { LeaderContext } from './context.ts';
import { ensureMinReplicas, type OnScaled } from './replicas.ts';
import { isStartFailure } from './service-start.ts';

/**
 * Removes the reported dead `urls` of `zone` under `term` and refills the zone to `minReplicas`.
 * Returns the removed ids. A failed push afterwards is logged (the next period retries).
 * @throws StaleTerm / LeaseLapsed when fenced.
 */
export async function removeReportedDead(
  ctx: LeaderContext,
  zone: ZoneId,
  urls: readonly string[],
  term: number,
  minReplicas: number,
  onScaled: OnScaled,
): Promise<string[]> {
  const removed: string[] = [];
  const apps = await ctx.apps(zone);
  for (const url of new Set(urls.map(normalizeUrl))) {
    const rec = apps.find((a) => a.url === url);
    if (!rec) continue;
    await ctx.runtime.stop(rec.id);
    ctx.ports.release(rec.port, rec.node);
    if (!(await ctx.registry.removeContainer(rec.id, term))) continue;
    removed.push(rec.id);
    await ctx.event({
      kind: 'remove-dead',
      zone,
      reason: 'DeadServerReported',
      message: `${rec.id} (${rec.url}) reported dead by the ${zone} balancer: removed`,
      serverId: rec.id,
      term,
    });
  }
  if (removed.length > 0) {
    // A replacement that does not come up is its own event (ServiceFailedToStart); the removal stands.
    await ensureMinReplicas(ctx, zone, minReplicas, term, 'replace', onScaled).catch((err) => {
      if (!isStartFailure(err)) throw err;
      ctx.log.warn({ zone }, err.message);
    });
    await pushZone(ctx, zone, term).catch((err) => {
      rethrowFenced(err);
      ctx.log.warn({ err, zone }, 'push after report failed; the next period retries');
    });
  }
  return removed;
}
