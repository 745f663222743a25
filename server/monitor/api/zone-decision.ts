/**
 * The last autoscaling decision of a zone as every replica can show it: the leader's own (in
 * memory, every period) when this replica leads, else the newest scaling or `decision` event of the
 * zone in the registry's log (recorded by the leader when a zone acts or enters a notable reason).
 */
import type { ClusterEvent, ZoneDecision, ZoneId } from '../../shared/types.ts';

const DECISION_KINDS: ReadonlySet<ClusterEvent['kind']> = new Set(['scale-up', 'scale-down', 'decision']);

/** `own` when given, else derived from `events` (newest first); null when neither names the zone. */
export function zoneDecision(
  zone: ZoneId,
  events: readonly ClusterEvent[],
  own: ReadonlyMap<ZoneId, ZoneDecision> | undefined,
): ZoneDecision | null {
  const mine = own?.get(zone);
  if (mine) return mine;
  const e = events.find((x) => x.zone === zone && DECISION_KINDS.has(x.kind));
  if (!e) return null;
  return { ts: e.ts, replicas: e.from ?? 0, desired: e.to ?? 0, reason: e.reason, message: e.message };
}
