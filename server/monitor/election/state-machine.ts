/**
 * The bully election as a pure state machine: `step(state, event, now) -> { state, effects }` over
 * the state, events and effects of `state.ts`; the candidate's transitions live in `candidacy.ts`,
 * following and stepping down in `following.ts`. It never touches the network, the registry or the
 * clock; the driver (`elector.ts`) feeds it events
 * (ticks, probe results, messages, round and claim results) and carries out the effects it returns
 * (send `election` to higher ids, announce `coordinator`, claim the next term in the registry by
 * compare-and-set, probe the leader, re-read the stored term). Rules (source design): followers
 * probe the leader every `probeIntervalMs` and start an election when it is gone; a candidate sends
 * `election` to every higher id; any answer -> it waits up to `electionTimeoutMs` for a
 * coordinator, else restarts; no answer -> it claims leadership and announces itself. A claim
 * follows `term-claim.ts`: compare-and-set against the term the registry stores, landing above
 * every term seen (so a bogus term pushed to a balancer costs one more election, never a hang); a
 * failed claim waits an exponential back-off (as a candidate awaiting a coordinator) before the
 * next round. A coordinator message older than the known term is refused; a leader re-reads the
 * stored term every `periodMs` and steps down when a newer one is stored (fencing). With a lease
 * (`leaseMs`), a claim carries the lease and waits for a live higher-id leader's lease to lapse (a
 * higher id preempts a lower leader, as the bully wants), the leader renews it every
 * `leaseRenewMs`, and a failed renewal (a newer term is stored) steps it down at once; `leaseValid`
 * tells the driver whether the leader may still write (a paused leader that wakes up past its lease
 * writes nothing). A monitor that (re)starts while a healthy higher-id leader holds the stored term
 * follows it without an election (a lower replica's restart never churns the term); a replica with
 * a higher id than the leader takes over, as the bully algorithm has it, so a cluster whose
 * replicas boot at different speeds still ends up led by the highest live id.
 */
import { claim, onClaimResult, renewEvery, startElection } from './candidacy.ts';
import { follow, onCoordinator, onFenced, stepDown } from './following.ts';
import type { ElectionEvent, ElectionState, StepResult } from './state.ts';

/**
 * Advances the election by one event at `now` (epoch ms). Pure: same inputs, same outputs.
 * Unknown or late events (an old round's result) leave the state unchanged with no effects.
 */
export function step(s: ElectionState, e: ElectionEvent, now: number): StepResult {
  const none: StepResult = { state: s, effects: [] };
  switch (e.type) {
    case 'boot': {
      if (s.role !== 'booting') return none;
      const term = Math.max(s.term, e.stored?.term ?? 0);
      // Follow a healthy higher leader; a higher id than the leader takes over (the highest live id leads).
      if (e.stored && e.confirmed && e.stored.id > s.self.id)
        return { state: follow({ ...s, term }, e.stored, now), effects: [] };
      return startElection({ ...s, term }, now);
    }
    case 'tick':
      return onTick(s, now);
    case 'probe-result': {
      if (s.role !== 'follower' || !s.probing) return none;
      if (e.ok) return { state: { ...s, probing: false }, effects: [] };
      return startElection({ ...s, leader: null }, now);
    }
    case 'election-received': {
      if (e.from >= s.self.id || s.role === 'booting') return none;
      // The HTTP reply is the answer; a leader re-asserts itself, anyone else runs its own election.
      if (s.role === 'leader') {
        const to = s.peers.filter((p) => p.id === e.from);
        return { state: s, effects: [{ kind: 'announce-coordinator', to, term: s.term }] };
      }
      if (s.role === 'candidate') return none;
      return startElection(s, now);
    }
    case 'election-round-done': {
      if (s.role !== 'candidate' || s.phase !== 'answers' || e.round !== s.round) return none;
      if (e.answered.length > 0) {
        return {
          // The higher candidate may be waiting out the old leader's lease before it can announce.
          state: {
            ...s,
            phase: 'coordinator',
            deadline: now + s.timings.electionTimeoutMs + (s.timings.leaseMs ?? 0),
          },
          effects: [],
        };
      }
      return claim(s, s.round, now);
    }
    case 'claim-result':
      return onClaimResult(s, e, now);
    case 'coordinator-received':
      return onCoordinator(s, e.leader, now);
    case 'term-observed': {
      const st = e.stored;
      if (!st || st.id === s.self.id) return none;
      if (s.role === 'leader') return st.term >= s.term ? stepDown(s, st, st.term, now) : none;
      // A fenced former leader (following nobody) learns who holds the term now.
      if (s.role === 'follower' && (st.term > s.term || (st.term === s.term && s.leader === null))) {
        return { state: follow(s, st, now), effects: [] };
      }
      return none;
    }
    case 'lease-result': {
      if (s.role !== 'leader' || e.term !== s.term) return { state: { ...s, renewing: false }, effects: [] };
      if (e.outcome === 'renewed')
        return {
          state: { ...s, renewing: false, leaseUntil: Math.max(s.leaseUntil ?? 0, e.until) },
          effects: [],
        };
      // A broken registry: retry at the next tick; the lease lapses (and writes stop) if it stays broken.
      if (e.outcome === 'error') return { state: { ...s, renewing: false, nextRenewAt: now }, effects: [] };
      // Refused: a newer term is stored. Same as a fenced write.
      return step({ ...s, renewing: false }, { type: 'fenced', current: s.term }, now);
    }
    case 'fenced':
      return onFenced(s, e.current, now);
  }
}

/** A tick: a candidate's deadline, the leader's lease renewal and term check, a follower's probe. */
function onTick(s: ElectionState, now: number): StepResult {
  const none: StepResult = { state: s, effects: [] };
  if (s.role === 'booting') return none;
  if (s.role === 'candidate') return s.deadline !== null && now >= s.deadline ? startElection(s, now) : none;
  if (s.role === 'leader' && s.timings.leaseMs !== undefined && !s.renewing && now >= s.nextRenewAt) {
    return {
      state: { ...s, renewing: true, nextRenewAt: now + renewEvery(s.timings) },
      effects: [{ kind: 'renew-lease', term: s.term, until: now + s.timings.leaseMs }],
    };
  }
  if (now < s.nextCheckAt) return none;
  if (s.role === 'leader')
    return { state: { ...s, nextCheckAt: now + s.timings.periodMs }, effects: [{ kind: 'read-term' }] };
  if (!s.leader) return startElection(s, now);
  if (s.probing) return none;
  return {
    state: { ...s, probing: true, nextCheckAt: now + s.timings.probeIntervalMs },
    effects: [{ kind: 'probe-leader', leader: s.leader }],
  };
}
