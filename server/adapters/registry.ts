/**
 * The registry capability: the cluster's ground truth (containers by id and zone, the leader and
 * its term, recent control-plane events). Writes are fenced by the leader's term: a write carrying
 * a term older than the stored one throws `StaleTerm`, so a paused former leader cannot undo its
 * successor's work. Real adapter: Redis (`adapters/redis`); embedded default: SQLite
 * (`adapters/sqlite`); in-memory fake for unit tests: `registry-memory.ts`.
 */
import type { ClusterEvent, ContainerRecord, LeaderInfo, ZoneId } from '../shared/types.ts';

export interface Registry {
  /** The current leader and term; `null` before the first election. */
  leader(): Promise<LeaderInfo | null>;
  /**
   * Compare-and-set of the term: stores `next` as leader only when the stored term equals
   * `expectedTerm` (0 when none is stored) and `next.term > expectedTerm`. Returns whether it did.
   */
  claimLeadership(expectedTerm: number, next: LeaderInfo): Promise<boolean>;
  /** All containers, optionally of one zone, sorted by `createdAt` then `id`. */
  containers(zone?: ZoneId): Promise<ContainerRecord[]>;
  /** One container, or null. */
  container(id: string): Promise<ContainerRecord | null>;
  /** Inserts or replaces a container. @throws StaleTerm when `term` is older than the stored term. */
  putContainer(record: ContainerRecord, term: number): Promise<void>;
  /** Removes a container; removing an absent id is a no-op that returns false. @throws StaleTerm */
  removeContainer(id: string, term: number): Promise<boolean>;
  /** Appends an event, keeping the newest 500. @throws StaleTerm */
  appendEvent(event: ClusterEvent, term: number): Promise<void>;
  /** Newest first. */
  events(limit: number): Promise<ClusterEvent[]>;
  /** Releases connections / file handles. */
  close(): Promise<void>;
}
