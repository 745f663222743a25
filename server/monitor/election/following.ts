/**
 * Following and stepping down in the bully election, as pure transitions used by `step`
 * (`state-machine.ts`): following a known leader, a leader (or candidate) stepping down to the
 * stored leader, a coordinator announcement (refuse an older term, follow a higher id, take over from
 * a lower one), and a fenced write (a leader steps down at once). Each takes a state and `now`
 * (epoch ms); none reads the clock or touches the network or the registry.
 */
import { startElection } from './candidacy.ts';
import type { ElectionEffect, ElectionState, KnownLeader, StepResult } from './state.ts';
import { seenTerm } from './term-claim.ts';

/**
 * `s` as a follower of `leader` (null: nobody yet) at `now` (epoch ms) with `term`: the candidacy
 * and lease cleared and the first leader probe `probeIntervalMs` ms later (source design:
 * followers probe the leader every `probeIntervalMs`). The claim back-off is the caller's.
 */
function asFollower(s: ElectionState, leader: KnownLeader | null, term: number, now: number): ElectionState {
  return {
    ...s,
    role: 'follower',
    leader,
    term,
    phase: null,
    deadline: null,
    nextCheckAt: now + s.timings.probeIntervalMs,
    probing: false,
    leaseUntil: null,
    renewing: false,
  };
}

/**
 * `s` as a follower of `leader` at `now` (epoch ms): the highest term seen kept, the candidacy and
 * lease cleared, the claim back-off reset, and the first leader probe `probeIntervalMs` ms later.
 */
export function follow(s: ElectionState, leader: KnownLeader, now: number): ElectionState {
  return { ...asFollower(s, leader, Math.max(s.term, leader.term), now), claimFailures: 0 };
}

/**
 * Steps down from leader (or gives up a candidacy) at `now` (epoch ms) to follow `stored`, or
 * elects again when it is unknown or this replica; `term` is the newer term reported. A leader emits
 * `stepped-down` with the highest term known (fencing: a newer stored term ends a leadership).
 */
export function stepDown(
  s: ElectionState,
  stored: KnownLeader | null,
  term: number,
  now: number,
): StepResult {
  const known = Math.max(s.term, term, stored?.term ?? 0);
  const effects: ElectionEffect[] =
    s.role === 'leader' ? [{ kind: 'stepped-down', term: known, leader: stored }] : [];
  if (stored && stored.id !== s.self.id)
    return { state: follow({ ...s, term: known }, stored, now), effects };
  const r = startElection({ ...s, term: known, leader: null }, now);
  return { state: r.state, effects: [...effects, ...r.effects] };
}

/**
 * A coordinator announcement of `l` at `now` (epoch ms): refuse an older term (or a rival at the
 * leader's own term) with `refuse-coordinator`, follow a higher id, take over from a lower one (the
 * bully rule: a lower id does not lead a live higher one).
 */
export function onCoordinator(s: ElectionState, l: KnownLeader, now: number): StepResult {
  const none: StepResult = { state: s, effects: [] };
  if (l.term < s.term || (s.role === 'leader' && l.term === s.term && l.id !== s.self.id)) {
    return { state: s, effects: [{ kind: 'refuse-coordinator', offered: l.term, current: s.term }] };
  }
  if (l.id === s.self.id) return none;
  if (s.role === 'leader') return stepDown(s, l, l.term, now);
  if (l.id < s.self.id) {
    // The bully rule: a lower id does not lead a live higher one. Learn its term and take over
    // (a candidate's own round already does; a follower starts one).
    const term = Math.max(s.term, l.term);
    if (s.role !== 'follower') return { state: { ...s, term }, effects: [] };
    return startElection({ ...s, term, leader: null }, now);
  }
  return { state: follow(s, l, now), effects: [] };
}

/**
 * A fenced write or a refused renewal at `now` (epoch ms; `current`: the newer term reported): a
 * leader steps down at once to follow nobody, emitting `stepped-down` and `read-term`; the reported
 * term counts as seen within `MAX_TERM` (`seenTerm`, `term-claim.ts`). Anyone else: no change.
 */
export function onFenced(s: ElectionState, current: number, now: number): StepResult {
  const none: StepResult = { state: s, effects: [] };
  if (s.role !== 'leader') return none;
  // Follow nobody yet: the next stored-term read (or a coordinator message) names the new leader.
  // The reported term counts as seen (the next claim lands above it) within the bound; the claim
  // back-off stays as it was.
  const term = Math.max(s.term, seenTerm(current));
  return {
    state: asFollower(s, null, term, now),
    effects: [{ kind: 'stepped-down', term, leader: null }, { kind: 'read-term' }],
  };
}
