/**
 * The candidate's side of the bully election, as pure transitions used by `step`
 * (`state-machine.ts`): starting a round (`election` to every higher id, or a direct claim when none
 * is higher), claiming the next term, and the claim's result (leader on success, else learn the
 * stored term and back off as `term-claim.ts` has it). Each takes a state and `now` (epoch ms) and
 * returns a `StepResult`; none reads the clock or touches the network or the registry.
 */
import type { ElectionEvent, ElectionState, ElectionTimings, KnownLeader, StepResult } from './state.ts';
import { claimBackoffMs, seenTerm } from './term-claim.ts';

/** The `claim-result` event. */
type ClaimResult = Extract<ElectionEvent, { type: 'claim-result' }>;

/**
 * The leader's lease renewal period, ms: `leaseRenewMs`, else a third of `leaseMs` (at least 1;
 * Kubernetes' leader election renews well inside the lease).
 */
export function renewEvery(t: ElectionTimings): number {
  return t.leaseRenewMs ?? Math.max(1, Math.floor((t.leaseMs ?? 0) / 3));
}

/**
 * Starts a new round at `now` (epoch ms): `send-election` to every higher id, answers awaited until
 * `now + 2 × electionTimeoutMs`, or a direct claim when no id is higher (the bully rule).
 */
export function startElection(s: ElectionState, now: number): StepResult {
  const round = s.round + 1;
  const higher = s.peers.filter((p) => p.id > s.self.id);
  const base: ElectionState = { ...s, role: 'candidate', round, probing: false };
  if (higher.length === 0) return claim(base, round, now);
  return {
    state: { ...base, phase: 'answers', deadline: now + 2 * s.timings.electionTimeoutMs },
    effects: [{ kind: 'send-election', round, to: higher }],
  };
}

/**
 * Claims the next term in round `round` at `now` (epoch ms): a `claim-term` effect carrying the
 * highest term seen and `leaseMs` (null without leases), and a deadline of
 * `now + 2 × electionTimeoutMs + leaseMs` ms, since the claim may wait out the previous leader's
 * lease. The claim rule itself is `term-claim.ts`'s.
 */
export function claim(s: ElectionState, round: number, now: number): StepResult {
  const leaseMs = s.timings.leaseMs ?? null;
  return {
    state: {
      ...s,
      role: 'candidate',
      round,
      phase: 'claiming',
      // A claim may wait out the previous leader's lease.
      deadline: now + 2 * s.timings.electionTimeoutMs + (leaseMs ?? 0),
    },
    effects: [{ kind: 'claim-term', round, seenTerm: s.term, leaseMs }],
  };
}

/**
 * The result `e` of this replica's claim at `now` (epoch ms), for the current round only: on
 * success it leads `e.claimedTerm` (`became-leader`, then `announce-coordinator` to every peer; the
 * next term check after `periodMs`, the next renewal after `renewEvery`); on failure it learns the
 * stored term (`seenTerm`) and waits `claimBackoffMs` for the winner's coordinator (`term-claim.ts`).
 */
export function onClaimResult(s: ElectionState, e: ClaimResult, now: number): StepResult {
  const none: StepResult = { state: s, effects: [] };
  if (s.role !== 'candidate' || s.phase !== 'claiming' || e.round !== s.round) return none;
  if (e.ok) {
    const leader: KnownLeader = { id: s.self.id, url: s.self.url, term: e.claimedTerm };
    return {
      state: {
        ...s,
        role: 'leader',
        term: e.claimedTerm,
        leader,
        phase: null,
        deadline: null,
        nextCheckAt: now + s.timings.periodMs,
        probing: false,
        leaseUntil: e.leaseUntil ?? null,
        nextRenewAt: now + renewEvery(s.timings),
        renewing: false,
        claimFailures: 0,
      },
      effects: [
        { kind: 'became-leader', term: e.claimedTerm },
        { kind: 'announce-coordinator', to: s.peers, term: e.claimedTerm },
      ],
    };
  }
  // CAS lost (someone else moved the term) or the registry failed: learn the stored term and
  // wait for the winner's coordinator; without one, the next round starts after the back-off.
  const claimFailures = s.claimFailures + 1;
  return {
    state: {
      ...s,
      term: Math.max(s.term, seenTerm(e.stored?.term ?? 0)),
      phase: 'coordinator',
      deadline: now + claimBackoffMs(claimFailures, s.timings.electionTimeoutMs),
      claimFailures,
    },
    effects: [],
  };
}
