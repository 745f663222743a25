/**
 * The bully election's state machine as pure steps, once running: fencing by a reported term
 * (within the bound), coordinator and election messages, the leader's stored-term check, late
 * results of an old round, the follower's probe interval, and whole three-monitor runs. Booting,
 * failover and claims are `state-machine.test.ts`.
 */
import { describe, expect, test } from 'bun:test';
import { follower, leader, me, peers, run } from '../../../test/support/election-steps.ts';

describe('election state machine: fencing and coordinator messages', () => {
  test.each([
    // [what the 409 reported, stored leader term, term the state then holds as seen]
    ['a balancer one above the stored term', 6, 5, 6],
    ['the gateway far above the stored term', 1_005, 5, 1_005],
    ['a term beyond the bound (clamped)', 2 ** 53 - 1, 5, 2 ** 31 - 1],
    ['an older term (kept)', 3, 5, 5],
    ['a term that is not a number (ignored)', Number.NaN, 5, 5],
  ])(
    'a leader fenced by %s steps down and its next claim is over every term seen',
    (_c, reported, stored, seen) => {
      const l = run(me(3), [
        { type: 'boot', stored: null, confirmed: false },
        { type: 'claim-result', round: 1, ok: true, claimedTerm: stored, stored: leader(3, stored) },
      ]).s;
      const f = run(l, [{ type: 'fenced', current: reported }]);
      expect(f.kinds).toEqual(['stepped-down', 'read-term']);
      expect(f.s).toMatchObject({ role: 'follower', leader: null, term: seen });
      // The stored leader is itself, so nobody to follow: the next check elects; the claim carries `seen`.
      const o = run(f.s, [{ type: 'term-observed', stored: leader(3, stored) }]);
      const e = run(o.s, [[{ type: 'tick' }, o.s.nextCheckAt]]);
      expect(e.effects).toEqual([{ kind: 'claim-term', round: 2, seenTerm: seen, leaseMs: null }]);
    },
  );

  test.each([
    { name: 'a follower', s: () => follower(2, leader(3, 5)), offered: 4 },
    {
      name: 'a leader',
      s: () =>
        run(me(3), [
          { type: 'boot', stored: null, confirmed: false },
          { type: 'claim-result', round: 1, ok: true, claimedTerm: 5, stored: leader(3, 5) },
        ]).s,
      offered: 4,
    },
  ])('$name refuses a coordinator message older than its term', ({ s, offered }) => {
    const before = s();
    const { s: after, effects } = run(before, [{ type: 'coordinator-received', leader: leader(1, offered) }]);
    expect(effects).toEqual([{ kind: 'refuse-coordinator', offered, current: 5 }]);
    expect(after.leader).toEqual(before.leader);
    expect(after.role).toBe(before.role);
  });

  test('a candidate accepts a coordinator with a newer term and follows it', () => {
    const c = run(me(1), [{ type: 'boot', stored: leader(3, 2), confirmed: false }]).s;
    const { s, effects } = run(c, [{ type: 'coordinator-received', leader: leader(2, 3) }]);
    expect(effects).toEqual([]);
    expect(s.role).toBe('follower');
    expect(s.leader).toEqual(leader(2, 3));
  });

  test('a higher id does not follow a lower one announcing itself: a candidate keeps its round, a follower elects', () => {
    // Startup race: 1 claimed term 1 and announces while 3 is still running its own election.
    const c = run(me(3), [{ type: 'boot', stored: null, confirmed: false }]).s;
    const kept = run(c, [{ type: 'coordinator-received', leader: leader(1, 1) }]);
    expect(kept.s.role).toBe('candidate');
    expect(kept.s.term).toBe(1);
    expect(kept.effects).toEqual([]);
    // Its claim (term 0 -> 1) loses the compare-and-set to 1's; after the back-off it claims above it.
    const next = run(kept.s, [
      [{ type: 'claim-result', round: 1, ok: false, claimedTerm: 1, stored: leader(1, 1) }, 2_000],
      [{ type: 'tick' }, 3_000],
    ]);
    expect(next.s.role).toBe('candidate');
    expect(next.effects).toEqual([{ kind: 'claim-term', round: 2, seenTerm: 1, leaseMs: null }]);
    // A follower of 2 told that 1 leads (a newer term) runs an election instead of following 1.
    const f = run(follower(3, leader(2, 1)), [{ type: 'coordinator-received', leader: leader(1, 2) }]);
    expect(f.s.role).toBe('candidate');
    expect(f.s.term).toBe(2);
    expect(f.s.leader).toBeNull();
  });
});

describe('election state machine: election messages, periodic checks and whole runs', () => {
  test('a leader receiving election from a lower id re-announces itself to the sender only', () => {
    const l = run(me(3), [
      { type: 'boot', stored: null, confirmed: false },
      { type: 'claim-result', round: 1, ok: true, claimedTerm: 1, stored: leader(3, 1) },
    ]).s;
    const { s, effects } = run(l, [{ type: 'election-received', from: 1 }]);
    expect(s.role).toBe('leader');
    expect(effects).toEqual([{ kind: 'announce-coordinator', to: [peers[0]!], term: 1 }]);
  });

  test('a follower receiving election from a lower id starts its own election', () => {
    const { s, kinds } = run(follower(2, leader(3, 1)), [{ type: 'election-received', from: 1 }]);
    expect(s.role).toBe('candidate');
    expect(kinds).toEqual(['send-election']);
  });

  test('an election message from a higher id is ignored', () => {
    const f = follower(2, leader(3, 1));
    expect(run(f, [{ type: 'election-received', from: 3 }]).effects).toEqual([]);
  });

  test('a leader re-reads the stored term every period and steps down when a newer one is stored', () => {
    const l = run(
      me(3),
      [
        { type: 'boot', stored: null, confirmed: false },
        { type: 'claim-result', round: 1, ok: true, claimedTerm: 2, stored: leader(3, 2) },
      ],
      0,
    ).s;
    expect(run(l, [[{ type: 'tick' }, 5_000]]).kinds).toEqual([]);
    const due = run(l, [[{ type: 'tick' }, 10_003]]);
    expect(due.kinds).toEqual(['read-term']);
    const same = run(due.s, [{ type: 'term-observed', stored: leader(3, 2) }]);
    expect(same.s.role).toBe('leader');
    const { s, effects } = run(due.s, [{ type: 'term-observed', stored: leader(2, 3) }]);
    expect(s.role).toBe('follower');
    expect(s.leader).toEqual(leader(2, 3));
    expect(effects).toEqual([{ kind: 'stepped-down', term: 3, leader: leader(2, 3) }]);
  });

  test('a fenced leader steps down at once and reads who holds the term now', () => {
    const l = run(me(3), [
      { type: 'boot', stored: null, confirmed: false },
      { type: 'claim-result', round: 1, ok: true, claimedTerm: 2, stored: leader(3, 2) },
    ]).s;
    const fenced = run(l, [{ type: 'fenced', current: 4 }]);
    expect(fenced.s.role).toBe('follower');
    expect(fenced.kinds).toEqual(['stepped-down', 'read-term']);
    const learned = run(fenced.s, [{ type: 'term-observed', stored: leader(1, 4) }]);
    expect(learned.s.leader).toEqual(leader(1, 4));
  });

  test('late results of an old round are ignored', () => {
    const c = run(me(1), [{ type: 'boot', stored: null, confirmed: false }, [{ type: 'tick' }, 10_000]]).s;
    expect(c.round).toBe(2);
    const r = run(c, [{ type: 'election-round-done', round: 1, answered: [] }]);
    expect(r.effects).toEqual([]);
    expect(r.s).toEqual(c);
  });

  test('a follower probes only once per interval and stays on a healthy leader', () => {
    const f = follower(1, leader(3, 1));
    const r = run(f, [
      [{ type: 'tick' }, 7_000],
      [{ type: 'tick' }, 7_100],
      { type: 'probe-result', ok: true },
      [{ type: 'tick' }, 9_000],
    ]);
    expect(r.kinds).toEqual(['probe-leader']);
    expect(r.s.role).toBe('follower');
  });

  test('three monitors run to one leader with the highest live id when messages are delivered', () => {
    // Monitor 3 is down; 1 and 2 boot with no stored leader. Deliver messages by hand.
    let m1 = run(me(1), [{ type: 'boot', stored: null, confirmed: false }]).s;
    let m2 = run(me(2), [{ type: 'boot', stored: null, confirmed: false }]).s;
    // 1 -> election to 2 (answers) and 3 (down); 2 answers, so 1 waits.
    m1 = run(m1, [{ type: 'election-round-done', round: 1, answered: [2] }]).s;
    // 2's own round: 3 does not answer, 2 claims term 1 and wins.
    const won = run(m2, [
      { type: 'election-round-done', round: 1, answered: [] },
      { type: 'claim-result', round: 1, ok: true, claimedTerm: 1, stored: leader(2, 1) },
    ]);
    m2 = won.s;
    m1 = run(m1, [{ type: 'coordinator-received', leader: leader(2, 1) }]).s;
    expect(m2.role).toBe('leader');
    expect(m1.role).toBe('follower');
    expect(m1.leader?.id).toBe(2);
    expect(m1.term).toBe(1);
  });
});
