/**
 * The registry contract's leadership cases: compare-and-set claims by term (including racing
 * claims), and the leader's lease (renewal by the term holder only, claims barred until it lapses).
 */
import { describe, expect, test } from 'bun:test';
import type { LeaderInfo } from '../../shared/types.ts';
import { type Fresh, leaderAt } from './fixtures.ts';

/** Registers the `leadership` and `lease` cases, each on a registry from `fresh`. */
export function leadershipCases(fresh: Fresh): void {
  describe('leadership', () => {
    test('a fresh registry has no leader', async () => {
      const r = await fresh();
      expect(await r.leader()).toBeNull();
    });

    test('the first claim with expected term 0 succeeds and is stored', async () => {
      const r = await fresh();
      expect(await r.claimLeadership(0, leaderAt(2, 1))).toBe(true);
      expect(await r.leader()).toEqual(leaderAt(2, 1));
    });

    test.each([
      ['the expected term is not the stored one', 0, 3],
      ['the expected term is newer than the stored one', 2, 3],
      ['the next term equals the expected term', 1, 1],
      ['the next term is older than the expected term', 1, 0],
    ])('a claim fails and changes nothing when %s', async (_case, expected, nextTerm) => {
      const r = await fresh();
      await r.claimLeadership(0, leaderAt(1, 1));
      expect(await r.claimLeadership(expected, leaderAt(3, nextTerm))).toBe(false);
      expect(await r.leader()).toEqual(leaderAt(1, 1));
    });

    test('successive claims may skip terms as long as each expects the stored one', async () => {
      const r = await fresh();
      expect(await r.claimLeadership(0, leaderAt(1, 1))).toBe(true);
      expect(await r.claimLeadership(1, leaderAt(3, 4))).toBe(true);
      expect(await r.claimLeadership(4, leaderAt(2, 5))).toBe(true);
      expect(await r.leader()).toEqual(leaderAt(2, 5));
    });

    test('two claims racing with the same expected term: exactly one wins and is stored', async () => {
      const r = await fresh();
      await r.claimLeadership(0, leaderAt(1, 1));
      const [a, b] = await Promise.all([
        r.claimLeadership(1, leaderAt(2, 2)),
        r.claimLeadership(1, leaderAt(3, 2)),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await r.leader()).toEqual(a ? leaderAt(2, 2) : leaderAt(3, 2));
    });

    test('ten claims racing from no leader: exactly one wins', async () => {
      const r = await fresh();
      const wins = await Promise.all(
        Array.from({ length: 10 }, (_, i) => r.claimLeadership(0, leaderAt(i + 1, 1 + i))),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = wins.indexOf(true);
      expect(await r.leader()).toEqual(leaderAt(winner + 1, 1 + winner));
    });
  });

  describe('lease', () => {
    const leased = (id: number, term: number, leaseUntil: number): LeaderInfo => ({
      ...leaderAt(id, term),
      leaseUntil,
    });

    test('a claim carrying a lease stores it, and the leader renews it while it holds the term', async () => {
      const r = await fresh();
      expect(await r.claimLeadership(0, leased(2, 1, 5_000), 1_000)).toBe(true);
      expect(await r.leader()).toEqual(leased(2, 1, 5_000));
      expect(await r.renewLease(1, 9_000)).toBe(true);
      expect((await r.leader())?.leaseUntil).toBe(9_000);
    });

    test.each([
      ['an older term', 1],
      ['a term that was never stored', 7],
    ])('renewing with %s fails and changes nothing', async (_case, term) => {
      const r = await fresh();
      await r.claimLeadership(0, leased(1, 1, 5_000));
      await r.claimLeadership(1, leased(2, 2, 6_000));
      expect(await r.renewLease(term, 99_000)).toBe(false);
      expect(await r.leader()).toEqual(leased(2, 2, 6_000));
    });

    test('renewing before any leader is stored fails', async () => {
      const r = await fresh();
      expect(await r.renewLease(0, 5_000)).toBe(false);
      expect(await r.leader()).toBeNull();
    });

    test.each([
      ['another id while its lease runs', 3, 4_999, false],
      ['another id once its lease has lapsed', 3, 5_000, true],
      ['the lease holder itself (a restarted leader)', 2, 1_000, true],
    ] as const)('a claim with a clock by %s: %p', async (_case, claimant, now, wins) => {
      const r = await fresh();
      await r.claimLeadership(0, leased(2, 1, 5_000));
      expect(await r.claimLeadership(1, leased(claimant, 2, now + 3_000), now)).toBe(wins);
      expect((await r.leader())?.term).toBe(wins ? 2 : 1);
    });

    test('a released lease (renewed to now) lets another id claim at once', async () => {
      const r = await fresh();
      await r.claimLeadership(0, leased(2, 1, 5_000));
      expect(await r.renewLease(1, 1_000)).toBe(true);
      expect(await r.claimLeadership(1, leased(3, 2, 4_000), 1_000)).toBe(true);
    });

    test('a claim without a clock ignores the lease (the plain compare-and-set)', async () => {
      const r = await fresh();
      await r.claimLeadership(0, leased(2, 1, 5_000));
      expect(await r.claimLeadership(1, leaderAt(3, 2))).toBe(true);
      expect(await r.leader()).toEqual(leaderAt(3, 2));
    });
  });
}
