/**
 * The fixtures of the shared registry contract (`../registry.contract.ts`), also used by the
 * adapters' own tests: a container record, a cluster event and a leader, each built from a few
 * numbers; and `Fresh`, how each part of the suite gets a fresh, empty registry.
 */
import type { ClusterEvent, ContainerRecord, LeaderInfo } from '../../shared/types.ts';
import type { Registry } from '../registry.ts';

/** A fresh, empty registry for one case; the suite closes it after the case. */
export type Fresh = () => Promise<Registry>;

/** A container record for tests: `port` and `url` derived from `createdAt`. */
export function record(
  id: string,
  zone: string,
  createdAt: number,
  port = 9100 + (createdAt % 99) + 1,
): ContainerRecord {
  return { id, role: 'app', zone, url: `http://127.0.0.1:${port}`, port, runtimeId: `pid-${id}`, createdAt };
}

/** A cluster event for tests. */
export function event(id: string, ts: number, term = 1): ClusterEvent {
  return {
    id,
    ts,
    kind: 'scale-up',
    zone: 'zone1',
    reason: 'AboveHighThreshold',
    message: `event ${id}`,
    from: 1,
    to: 2,
    serverId: null,
    term,
  };
}

/** A leader for tests: monitor `id` at term `term`. */
export function leaderAt(id: number, term: number): LeaderInfo {
  return { id, url: `http://127.0.0.1:${7000 + id}`, term, since: 1_000 * term };
}
