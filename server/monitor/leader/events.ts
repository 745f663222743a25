/**
 * Event recording for the leader: every action a duty takes becomes a `ClusterEvent` (kind, zone,
 * reason code, message, the replica counts and server it concerns, the leader's term) appended to
 * the registry's event log, which every replica streams to its dashboards, and one log line. The
 * append is a write carrying the term, so a fenced leader's event is refused like any other write.
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from '../../adapters/registry.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ClusterEvent } from '../../shared/types.ts';

/** An event as a duty states it: id and timestamp are added; `from`, `to`, `serverId` default to null. */
export type NewEvent = Omit<ClusterEvent, 'id' | 'ts' | 'from' | 'to' | 'serverId'> &
  Partial<Pick<ClusterEvent, 'from' | 'to' | 'serverId'>>;

/**
 * Appends `e` at `ts` (epoch ms) to the registry's log with `e.term` and logs it at info.
 * @throws StaleTerm / LeaseLapsed when the term is stale or the lease lapsed.
 */
export async function recordEvent(registry: Registry, log: Logger, ts: number, e: NewEvent): Promise<void> {
  const ev: ClusterEvent = { id: randomUUID(), ts, from: null, to: null, serverId: null, ...e };
  await registry.appendEvent(ev, e.term);
  log.info(
    { event: ev.kind, reason: ev.reason, zone: ev.zone, serverId: ev.serverId, term: ev.term },
    ev.message,
  );
}
