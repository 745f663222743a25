/**
 * The rule a leadership claim follows (pure; table-tested in `term-claim.test.ts`). A claim is a
 * compare-and-set against the term the registry STORES, never against a term this replica merely
 * heard of, and the term it claims lands above every term seen: the stored one and any reported by
 * a balancer's or the gateway's 409 or by a peer. So a bogus higher term that a token holder pushed
 * to a balancer or the gateway (and the registry never stored) costs one more election, whose term
 * outbids it, and never a claim that can never succeed. Terms are bounded by `MAX_TERM`: a seen
 * term beyond it is clamped, and a claim caps at the bound (balancers and the gateway accept a term
 * equal to theirs). A failed claim (lost race, broken registry) waits an exponential back-off before
 * the next round, so no retry ever spins.
 */
import { MAX_TERM } from '../../shared/term.ts';

/**
 * A term as seen in a message or a 409 body, made safe to compare: an integer in 0..MAX_TERM as
 * is, a larger one clamped to MAX_TERM, and anything else (NaN, negative, fractional, from a
 * broken or hostile body) counts as 0, so it can never poison the highest term seen.
 */
export function seenTerm(t: number): number {
  return Number.isInteger(t) && t >= 0 ? Math.min(t, MAX_TERM) : 0;
}

/** What a claim carries to the registry: `expectedTerm` = the stored term, `nextTerm` the one claimed. */
export interface TermClaim {
  expectedTerm: number;
  nextTerm: number;
}

/**
 * The claim for `stored` (the registry's term, 0 when none) and `seen` (the highest term this
 * replica saw anywhere): `{expectedTerm: stored, nextTerm: min(max(stored, seen) + 1, MAX_TERM)}`.
 * Null when no term above `stored` is left (stored = MAX_TERM: the term space is used up).
 */
export function nextClaim(stored: number, seen: number): TermClaim | null {
  const above = Math.max(seenTerm(stored), seenTerm(seen));
  const nextTerm = Math.min(above + 1, MAX_TERM);
  return nextTerm > stored ? { expectedTerm: stored, nextTerm } : null;
}

/** Back-off caps at this many election timeouts. */
export const CLAIM_BACKOFF_MAX_FACTOR = 16;

/**
 * How long a candidate waits after its `failures`-th failed claim in a row before the next round,
 * ms: `electionTimeoutMs × 2^(failures − 1)`, at most `CLAIM_BACKOFF_MAX_FACTOR` timeouts (1 s, 2 s,
 * 4 s, … 16 s with the default 1 s timeout). The wait also lets the winner's coordinator arrive.
 */
export function claimBackoffMs(failures: number, electionTimeoutMs: number): number {
  const n = Math.max(1, Math.floor(failures));
  return electionTimeoutMs * Math.min(2 ** (n - 1), CLAIM_BACKOFF_MAX_FACTOR);
}
