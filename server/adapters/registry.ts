/**
 * The registry capability: the cluster's ground truth (containers by id and zone, the leader and
 * its term, recent control-plane events). Writes are fenced by the leader's term: a write carrying
 * a term older than the stored one throws `StaleTerm`, so a paused former leader cannot undo its
 * successor's work; the leader also holds a lease it renews (`renewLease`), and a candidate's claim
 * waits for it to lapse. Every term an adapter takes must be an integer in 0..`MAX_TERM` (2^31 − 1,
 * `shared/term.ts`): any other throws `TermOutOfRange` before anything is read or changed, so no
 * claim can store a term past which no later claim could land. Real adapter: Redis (`adapters/redis`); embedded default: SQLite
 * (`adapters/sqlite`); in-memory fake for unit tests: `registry-memory.ts`.
 */
import type { ClusterEvent, ContainerRecord, LeaderInfo, ZoneId } from '../shared/types.ts';

export interface Registry {
  /** The current leader and term; `null` before the first election. */
  leader(): Promise<LeaderInfo | null>;
  /**
   * Compare-and-set of the term: stores `next` as leader only when the stored term equals
   * `expectedTerm` (0 when none is stored) and `next.term > expectedTerm`. Returns whether it did.
   * When `now` (epoch ms) is given, the claim also fails while the stored leader is another id
   * whose `leaseUntil` is after `now` (lease-based election: a live leader's lease must lapse first).
   * `next.leaseUntil`, when given, is stored as the new leader's lease.
   * @throws TermOutOfRange when `expectedTerm` or `next.term` is outside 0..MAX_TERM.
   */
  claimLeadership(expectedTerm: number, next: LeaderInfo, now?: number): Promise<boolean>;
  /**
   * The leader renews (or, with `until` = now, releases) its lease: sets the stored `leaseUntil`
   * to `until` (epoch ms) only when the stored term equals `term`. Returns false, changing
   * nothing, when a newer term is stored (the caller has been deposed and must step down) or none.
   * @throws TermOutOfRange when `term` is outside 0..MAX_TERM.
   */
  renewLease(term: number, until: number): Promise<boolean>;
  /** All containers, optionally of one zone, sorted by `createdAt` then `id`. */
  containers(zone?: ZoneId): Promise<ContainerRecord[]>;
  /** One container, or null. */
  container(id: string): Promise<ContainerRecord | null>;
  /** Inserts or replaces a container. @throws StaleTerm when `term` is older than the stored term; TermOutOfRange */
  putContainer(record: ContainerRecord, term: number): Promise<void>;
  /** Removes a container; removing an absent id is a no-op that returns false. @throws StaleTerm, TermOutOfRange */
  removeContainer(id: string, term: number): Promise<boolean>;
  /** Appends an event, keeping the newest 500. @throws StaleTerm, TermOutOfRange */
  appendEvent(event: ClusterEvent, term: number): Promise<void>;
  /** Newest first. */
  events(limit: number): Promise<ClusterEvent[]>;
  /** Releases connections / file handles. */
  close(): Promise<void>;
}

/**
 * Whether `stored`'s lease still bars `claimant` at `now` (epoch ms): a leader other than the
 * claimant whose `leaseUntil` is after `now`. The same id may always re-claim (a restarted leader).
 */
export function leaseHeld(stored: LeaderInfo | null, claimant: number, now: number): boolean {
  return stored !== null && stored.id !== claimant && (stored.leaseUntil ?? 0) > now;
}
