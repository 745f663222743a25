/**
 * The bully election's state machine as pure steps: booting beside a stored leader, failover,
 * lost claims and their back-off, fencing by a reported term (within the bound), coordinator and
 * election messages, the leader's stored-term check, late results, and whole three-monitor runs.
 * The lease rules have their own suite (`state-machine-lease.test.ts`).
 */
import { describe, expect, test } from 'bun:test';
import { follower, leader, me, peers, run } from '../../../test/support/election-steps.ts';
import { step } from './state-machine.ts';

describe('election state machine: boot, failover and claims', () => {
  test('a monitor booting with a confirmed leader follows it without an election', () => {
    const { s, effects } = run(me(2), [{ type: 'boot', stored: leader(3, 4), confirmed: true }]);
    expect(s.role).toBe('follower');
    expect(s.leader).toEqual(leader(3, 4));
    expect(s.term).toBe(4);
    expect(effects).toEqual([]);
  });

  test('a monitor booting with a higher id than the confirmed leader takes over with the next term', () => {
    const { s, effects } = run(me(3), [{ type: 'boot', stored: leader(1, 4), confirmed: true }]);
    expect(s.role).toBe('candidate');
    expect(effects).toEqual([{ kind: 'claim-term', round: 1, seenTerm: 4, leaseMs: null }]);
  });

  test('a monitor booting with an unconfirmed stored leader starts an election to higher ids', () => {
    const { s, effects } = run(me(1), [{ type: 'boot', stored: leader(3, 4), confirmed: false }]);
    expect(s.role).toBe('candidate');
    expect(effects).toEqual([{ kind: 'send-election', round: 1, to: [peers[1]!, peers[2]!] }]);
  });

  test('when 3 dies, 2 notices on its probe, gets no answer, and wins with term + 1', () => {
    const f = follower(2, leader(3, 4));
    const { s, effects, kinds } = run(
      f,
      [
        [{ type: 'tick' }, 10_000],
        { type: 'probe-result', ok: false },
        { type: 'election-round-done', round: 1, answered: [] },
        { type: 'claim-result', round: 1, ok: true, claimedTerm: 5, stored: leader(2, 5) },
      ],
      0,
    );
    expect(kinds).toEqual([
      'probe-leader',
      'send-election',
      'claim-term',
      'became-leader',
      'announce-coordinator',
    ]);
    expect(effects[2]).toEqual({ kind: 'claim-term', round: 1, seenTerm: 4, leaseMs: null });
    expect(effects[4]).toEqual({ kind: 'announce-coordinator', to: [peers[0]!, peers[2]!], term: 5 });
    expect(s.role).toBe('leader');
    expect(s.term).toBe(5);
    expect(s.leader).toEqual(leader(2, 5));
  });

  test('1 cannot win while 2 answers: it waits for a coordinator and restarts when none comes', () => {
    const start = run(me(1), [{ type: 'boot', stored: null, confirmed: false }], 0);
    const answered = run(start.s, [[{ type: 'election-round-done', round: 1, answered: [2] }, 100]]);
    expect(answered.s.phase).toBe('coordinator');
    expect(answered.kinds).toEqual([]);
    const early = run(answered.s, [[{ type: 'tick' }, 500]]);
    expect(early.kinds).toEqual([]);
    const late = run(answered.s, [[{ type: 'tick' }, 1_200]]);
    expect(late.s.round).toBe(2);
    expect(late.kinds).toEqual(['send-election']);
    expect(late.kinds).not.toContain('claim-term');
  });

  test('the highest id claims at once, since nobody is higher', () => {
    const { kinds, effects } = run(me(3), [{ type: 'boot', stored: leader(2, 7), confirmed: false }]);
    expect(kinds).toEqual(['claim-term']);
    expect(effects[0]).toMatchObject({ seenTerm: 7 });
  });

  test('a lost compare-and-set learns the stored term, waits a back-off for a coordinator, then runs the election again', () => {
    const c = run(me(3), [{ type: 'boot', stored: null, confirmed: false }], 0).s;
    const lost = run(c, [
      [{ type: 'claim-result', round: 1, ok: false, claimedTerm: 1, stored: leader(2, 3) }, 10],
    ]);
    expect(lost.s).toMatchObject({ role: 'candidate', phase: 'coordinator', term: 3, claimFailures: 1 });
    expect(lost.effects).toEqual([]);
    expect(run(lost.s, [[{ type: 'tick' }, 1_009]]).effects).toEqual([]);
    const again = run(lost.s, [[{ type: 'tick' }, 1_010]]);
    expect(again.effects).toEqual([{ kind: 'claim-term', round: 2, seenTerm: 3, leaseMs: null }]);
  });

  test.each([
    // failures in a row -> wait before the next round (election timeout 1 s, capped at 16 timeouts)
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [5, 16_000],
    [9, 16_000],
  ])(
    'after %i failed claims in a row the next round waits %i ms, so a failing claim never spins',
    (n, wait) => {
      let s = run(me(3), [{ type: 'boot', stored: null, confirmed: false }], 0).s;
      let now = 0;
      for (let i = 1; i <= n; i++) {
        const lost = step(
          s,
          { type: 'claim-result', round: s.round, ok: false, claimedTerm: 0, stored: null },
          now,
        );
        expect(lost.effects).toEqual([]);
        s = lost.state;
        if (i < n) {
          now = s.deadline!;
          const r = step(s, { type: 'tick' }, now);
          expect(r.effects.map((e) => e.kind)).toEqual(['claim-term']);
          s = r.state;
        }
      }
      expect(s.claimFailures).toBe(n);
      expect(s.deadline! - now).toBe(wait);
    },
  );

  test('winning resets the back-off', () => {
    const c = run(me(3), [{ type: 'boot', stored: null, confirmed: false }], 0).s;
    const r = run(c, [
      [{ type: 'claim-result', round: 1, ok: false, claimedTerm: 0, stored: null }, 1],
      [{ type: 'tick' }, 1_001],
      [{ type: 'claim-result', round: 2, ok: true, claimedTerm: 1, stored: leader(3, 1) }, 1_002],
    ]);
    expect(r.s).toMatchObject({ role: 'leader', term: 1, claimFailures: 0 });
  });
});

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
