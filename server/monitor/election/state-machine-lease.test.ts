/**
 * The election's lease rules as pure steps (as Kubernetes' leader election): a claim carries the
 * lease, the leader renews it once at a time, a refused renewal steps it down, an erroring one lets
 * the lease lapse, and a paused leader may not write once its own clock says the lease lapsed.
 */
import { describe, expect, test } from 'bun:test';
import { leader, peers, run, timings } from '../../../test/support/election-steps.ts';
import { initialState, leaseValid } from './state.ts';

describe('election state machine with a lease', () => {
  const leased = { ...timings, leaseMs: 3_000, leaseRenewMs: 1_000 };
  /** Monitor 3 alone wins term 1 at t=1002 with a lease until 4002. */
  const leaderWithLease = () => {
    const s0 = initialState(peers[2]!, peers, leased);
    return run(s0, [
      { type: 'boot', stored: null, confirmed: false },
      { type: 'claim-result', round: 1, ok: true, claimedTerm: 1, stored: leader(3, 1), leaseUntil: 4_002 },
    ]);
  };

  test('a claim carries the lease length and the new leader holds the lease it claimed', () => {
    const r = leaderWithLease();
    expect(r.effects[0]).toEqual({
      kind: 'claim-term',
      round: 1,
      seenTerm: 0,
      leaseMs: 3_000,
    });
    expect(r.s.role).toBe('leader');
    expect(r.s.leaseUntil).toBe(4_002);
  });

  test.each([
    ['inside its lease', 4_001, true],
    ['once its lease has lapsed by its own clock', 4_002, false],
  ])('a leader may write %s: %p', (_case, now, ok) => {
    expect(leaseValid(leaderWithLease().s, now)).toBe(ok);
  });

  test('the leader renews every renew period, once at a time, and a renewal extends the lease', () => {
    const l = leaderWithLease().s;
    const r = run(l, [
      [{ type: 'tick' }, 2_100],
      [{ type: 'tick' }, 2_200],
      [{ type: 'lease-result', term: 1, until: 5_100, outcome: 'renewed' }, 2_210],
    ]);
    expect(r.effects).toEqual([{ kind: 'renew-lease', term: 1, until: 5_100 }]);
    expect(r.s.leaseUntil).toBe(5_100);
    expect(leaseValid(r.s, 5_000)).toBe(true);
  });

  test('a refused renewal (a newer term is stored) steps the leader down at once and re-reads the term', () => {
    const l = leaderWithLease().s;
    const r = run(l, [
      [{ type: 'tick' }, 9_000],
      [{ type: 'lease-result', term: 1, until: 12_000, outcome: 'refused' }, 9_001],
    ]);
    expect(r.kinds).toEqual(['renew-lease', 'stepped-down', 'read-term']);
    expect(r.s.role).toBe('follower');
    expect(leaseValid(r.s, 9_002)).toBe(false);
  });

  test('a renewal that errors keeps the leader but lets the lease lapse, retrying at the next tick', () => {
    const l = leaderWithLease().s;
    const r = run(l, [
      [{ type: 'tick' }, 2_100],
      [{ type: 'lease-result', term: 1, until: 5_100, outcome: 'error' }, 2_110],
      [{ type: 'tick' }, 2_120],
    ]);
    expect(r.kinds).toEqual(['renew-lease', 'renew-lease']);
    expect(r.s.role).toBe('leader');
    expect(leaseValid(r.s, 4_500)).toBe(false);
  });

  test('a paused leader waking after its successor claimed: no write is allowed before it learns it', () => {
    const l = leaderWithLease().s;
    // Paused from 1 002 to 20 000: the lease lapsed by its own clock, so it may not write...
    expect(leaseValid(l, 20_000)).toBe(false);
    // ...its first tick renews, the registry refuses (term 2 is stored), and it steps down.
    const r = run(l, [
      [{ type: 'tick' }, 20_000],
      [{ type: 'lease-result', term: 1, until: 23_000, outcome: 'refused' }, 20_001],
      [{ type: 'term-observed', stored: leader(2, 2) }, 20_002],
    ]);
    expect(r.s.role).toBe('follower');
    expect(r.s.leader).toEqual(leader(2, 2));
    expect(r.s.term).toBe(2);
  });
});
