/**
 * Helpers for the election state machine's suites: three peers on 127.0.0.1:1700n, the source
 * design's timings, a `KnownLeader`, a fresh replica, a follower of a given leader, and `run`,
 * which feeds events to `step` in order and collects every effect.
 */

import {
  type ElectionEffect,
  type ElectionEvent,
  type ElectionState,
  initialState,
  type KnownLeader,
  type Peer,
} from '../../server/monitor/election/state.ts';
import { step } from '../../server/monitor/election/state-machine.ts';

/** Monitors 1, 2 and 3. */
export const peers: Peer[] = [1, 2, 3].map((id) => ({ id, url: `http://127.0.0.1:1700${id}` }));
/** Probe 5 s, election timeout 1 s, period 10 s; no lease. */
export const timings = { probeIntervalMs: 5_000, electionTimeoutMs: 1_000, periodMs: 10_000 };
/** Monitor `id` leading `term`. */
export const leader = (id: number, term: number): KnownLeader => ({
  id,
  url: `http://127.0.0.1:1700${id}`,
  term,
});
/** Monitor `id`, fresh (booting). */
export const me = (id: number) => initialState(peers[id - 1]!, peers, timings);

/** Runs events in order from `s`, collecting every effect; the clock advances 1 ms per event unless given. */
export function run(s: ElectionState, events: (ElectionEvent | [ElectionEvent, number])[], start = 1_000) {
  let now = start;
  const effects: ElectionEffect[] = [];
  for (const ev of events) {
    const [e, at] = Array.isArray(ev) ? ev : [ev, now + 1];
    now = at;
    const r = step(s, e, now);
    s = r.state;
    effects.push(...r.effects);
  }
  return { s, effects, kinds: effects.map((e) => e.kind) };
}

/** A follower of `l` (booted with a confirmed stored leader). */
export const follower = (id: number, l: KnownLeader) =>
  run(me(id), [{ type: 'boot', stored: l, confirmed: true }]).s;
