/**
 * The lines `bun run dev` prints while it follows the cluster (`server/dev.ts`): one per event of
 * the registry's log, and one when the leader changes, each stamped with the time it happened (an
 * event's `ts`, a leadership's `since`), so a new leader's line and its `leader-elected` event read
 * in order. Pure: the clock format is a parameter.
 */
import type { ClusterEvent, LeaderInfo } from '../shared/types.ts';

/** Epoch ms as the local time of day (`10:27:22 AM`). */
export const localTime = (ms: number): string => new Date(ms).toLocaleTimeString();

/** `  <time>  <kind> <zone> <reason>: <message>`, the kind and zone padded to columns. */
export function eventLine(e: ClusterEvent, time: (ms: number) => string = localTime): string {
  return `  ${time(e.ts)}  ${e.kind.padEnd(16)} ${(e.zone ?? '').padEnd(6)} ${e.reason}: ${e.message}`;
}

/**
 * The line for a change of leader seen at `now` (epoch ms): the new leader and its term at the time
 * it took over, or, with no leader, that an election is under way.
 */
export function leaderLine(
  leader: LeaderInfo | null,
  now: number,
  time: (ms: number) => string = localTime,
): string {
  if (!leader) return `  ${time(now)}  no leader: an election is under way`;
  return `  ${time(leader.since)}  leader is now monitor ${leader.id} (term ${leader.term})`;
}
