/**
 * The bully election's state machine as pure steps: booting beside a stored leader, failover,
 * and lost claims with their back-off. Fencing and the messages are `state-machine-messages.test.ts`,
 * the lease rules `state-machine-lease.test.ts`.
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
