/**
 * The election's data as the pure state machine (`state-machine.ts`) sees it: the replicas
 * (`Peer`), the leader a replica believes in (`KnownLeader`), the timings, everything one replica
 * knows (`ElectionState`), the events fed to `step` and the effects it returns for the driver
 * (`elector.ts`) to carry out, plus the initial state and `leaseValid`, which tells the driver
 * whether the leader may still write. Times are epoch ms; nothing here reads the clock.
 */

/** A monitor replica: id (higher wins) and base URL. */
export interface Peer {
  id: number;
  url: string;
}

/** The leader a replica believes in. */
export interface KnownLeader {
  id: number;
  url: string;
  term: number;
}

/** Timings, ms (defaults from the source design live in the monitor config). */
export interface ElectionTimings {
  /** Followers probe the leader this often (source design: 5 s). */
  probeIntervalMs: number;
  /** How long a candidate waits for answers, then for a coordinator. */
  electionTimeoutMs: number;
  /** The leader re-reads the stored term this often (the autoscaling period). */
  periodMs: number;
  /**
   * Lease length, ms (Kubernetes' leader election: 15 s). A leader writes only while its lease
   * runs, and a candidate claims only after the previous leader's lease lapsed. Absent: no lease.
   */
  leaseMs?: number;
  /** The leader renews its lease this often, ms (default a third of `leaseMs`). */
  leaseRenewMs?: number;
}

/** Where a candidate is in its round. */
export type CandidatePhase = 'answers' | 'coordinator' | 'claiming';

/** Everything the state machine knows. Times are epoch ms. */
export interface ElectionState {
  self: Peer;
  peers: Peer[];
  timings: ElectionTimings;
  role: 'booting' | 'follower' | 'candidate' | 'leader';
  /** Highest term seen (stored, claimed, announced or reported by a 409), at most `MAX_TERM`. */
  term: number;
  leader: KnownLeader | null;
  /** Candidate bookkeeping; `round` grows with every round so late results are ignored. */
  round: number;
  phase: CandidatePhase | null;
  /** Candidate: restart the round when `now` passes this. */
  deadline: number | null;
  /** Follower: next leader probe. Leader: next stored-term check. */
  nextCheckAt: number;
  /** Follower: a probe is in flight (no second one until it resolves). */
  probing: boolean;
  /** Leader: epoch ms its lease runs until (null without a lease). */
  leaseUntil: number | null;
  /** Leader: next lease renewal; a renewal in flight blocks the next one. */
  nextRenewAt: number;
  renewing: boolean;
  /** Failed claims in a row (sets the back-off before the next round); 0 once a leader is known. */
  claimFailures: number;
}

/** Inputs to `step`. */
export type ElectionEvent =
  /** At start: the registry's leader and whether it answered its health check as leader with that term. */
  | { type: 'boot'; stored: KnownLeader | null; confirmed: boolean }
  | { type: 'tick' }
  /** A follower's probe of the leader: `ok` when it answered as leader. */
  | { type: 'probe-result'; ok: boolean }
  /** An `election` message from `from` arrived. */
  | { type: 'election-received'; from: number }
  /** The `election` messages of round `round` were all answered or timed out; `answered` lists ids that answered. */
  | { type: 'election-round-done'; round: number; answered: number[] }
  /**
   * The CAS of round `round`: `ok` = this replica now holds `claimedTerm`; `stored` = what the
   * registry holds after (null also when the registry could not be read: a failed claim either way).
   */
  | {
      type: 'claim-result';
      round: number;
      ok: boolean;
      claimedTerm: number;
      stored: KnownLeader | null;
      /** The lease the claim carried (epoch ms), when leases are on. */
      leaseUntil?: number;
    }
  | { type: 'coordinator-received'; leader: KnownLeader }
  /** The leader re-read the stored leader (periodic check or after a write refused with StaleTerm). */
  | { type: 'term-observed'; stored: KnownLeader | null }
  /** A fenced write was refused: someone holds a newer term; step down at once. */
  | { type: 'fenced'; current: number }
  /** The result of a lease renewal for `term` until `until`: stored, refused (newer term), or an error. */
  | { type: 'lease-result'; term: number; until: number; outcome: 'renewed' | 'refused' | 'error' };

/** Outputs of `step`, carried out by the driver. */
export type ElectionEffect =
  | { kind: 'send-election'; round: number; to: Peer[] }
  /**
   * Claim leadership: the driver reads the stored term and compare-and-sets it to
   * `nextClaim(stored, seenTerm)` (`term-claim.ts`). `leaseMs` when leases are on: the claim waits
   * for the stored lease to lapse and carries a new one.
   */
  | { kind: 'claim-term'; round: number; seenTerm: number; leaseMs: number | null }
  | { kind: 'renew-lease'; term: number; until: number }
  | { kind: 'announce-coordinator'; to: Peer[]; term: number }
  | { kind: 'probe-leader'; leader: KnownLeader }
  | { kind: 'read-term' }
  | { kind: 'became-leader'; term: number }
  | { kind: 'stepped-down'; term: number; leader: KnownLeader | null }
  | { kind: 'refuse-coordinator'; offered: number; current: number };

/** The result of one step. */
export interface StepResult {
  state: ElectionState;
  effects: ElectionEffect[];
}

/** A fresh replica waiting for its `boot` event. */
export function initialState(self: Peer, peers: Peer[], timings: ElectionTimings): ElectionState {
  return {
    self,
    peers: peers.filter((p) => p.id !== self.id),
    timings,
    role: 'booting',
    term: 0,
    leader: null,
    round: 0,
    phase: null,
    deadline: null,
    nextCheckAt: 0,
    probing: false,
    leaseUntil: null,
    nextRenewAt: 0,
    renewing: false,
    claimFailures: 0,
  };
}

/**
 * Whether the replica may act as leader at `now` (epoch ms): it is the leader and, with leases on,
 * its lease has not lapsed by its own clock. Writes are skipped otherwise (source of the pause rule:
 * Kleppmann's "fencing tokens" and Kubernetes' renew deadline).
 */
export function leaseValid(s: ElectionState, now: number): boolean {
  if (s.role !== 'leader') return false;
  if (s.timings.leaseMs === undefined) return true;
  return s.leaseUntil !== null && now < s.leaseUntil;
}
