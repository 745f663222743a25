import { describe, expect, test } from 'bun:test';
import { MAX_TERM } from '../../shared/term.ts';
import { claimBackoffMs, nextClaim } from './term-claim.ts';

describe('the claim rule', () => {
  test.each([
    // [case, stored, seen, claim]
    ['first claim of a fresh registry', 0, 0, { expectedTerm: 0, nextTerm: 1 }],
    ['seen equals stored: the next term', 4, 4, { expectedTerm: 4, nextTerm: 5 }],
    [
      'a stale replica (seen below stored) still expects the stored term',
      7,
      2,
      { expectedTerm: 7, nextTerm: 8 },
    ],
    [
      'a balancer reported one above stored (never stored): outbid it',
      5,
      6,
      { expectedTerm: 5, nextTerm: 7 },
    ],
    ['the gateway reported far above stored', 5, 1_005, { expectedTerm: 5, nextTerm: 1_006 }],
    [
      'a seen term at the bound: the claim caps at the bound',
      5,
      MAX_TERM,
      { expectedTerm: 5, nextTerm: MAX_TERM },
    ],
    ['a seen term beyond the bound is clamped', 5, 2 ** 53 - 1, { expectedTerm: 5, nextTerm: MAX_TERM }],
    ['stored one below the bound', MAX_TERM - 1, 0, { expectedTerm: MAX_TERM - 1, nextTerm: MAX_TERM }],
    ['stored at the bound: no term is left', MAX_TERM, MAX_TERM, null],
    [
      'a seen term that is not a number (a broken 409 body) counts as 0',
      5,
      Number.NaN,
      { expectedTerm: 5, nextTerm: 6 },
    ],
    ['a negative seen term counts as 0', 5, -9, { expectedTerm: 5, nextTerm: 6 }],
  ] as const)('%s (stored %p, seen %p)', (_case, stored, seen, claim) => {
    expect(nextClaim(stored, seen)).toEqual(claim);
  });

  test.each([
    [0, 1_000],
    [1, 1_000],
    [2, 2_000],
    [4, 8_000],
    [5, 16_000],
    [40, 16_000],
  ])('after %i failed claims the back-off is %i ms (election timeout 1 s)', (n, ms) => {
    expect(claimBackoffMs(n, 1_000)).toBe(ms);
  });
});
