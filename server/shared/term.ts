/**
 * The bound on leader terms (the fencing token) and the check every registry adapter runs on a
 * term before using it. Terms are integers in 0..`MAX_TERM` (2^31 − 1): far more elections than a
 * cluster ever runs (one a second for 68 years), small enough that `term + 1` is exact in a double,
 * fits SQLite's and Redis's integers and Lua's numbers, and refused beyond it everywhere a term
 * enters (balancer `PUT /servers` and `PUT /monitor`, gateway `PUT /zones`, monitor election
 * messages: 400 naming the bound). Before the bound a term of 2^53 − 1 was accepted, and
 * `2^53 − 1 + 1` rounds back to itself, so no later claim could ever land above it.
 */
import { ZonescaleError } from './errors.ts';

/** The highest term anything accepts: 2^31 − 1. */
export const MAX_TERM = 2 ** 31 - 1;

/** The message every refusal of an out-of-range term carries (it names the bound). */
export const TERM_BOUND_MESSAGE = `a term is an integer from 0 to ${MAX_TERM} (2^31 - 1)`;

/** A term outside 0..MAX_TERM reached a registry adapter (a caller bug or a hostile value); 400. */
export class TermOutOfRange extends ZonescaleError {
  constructor(readonly term: number) {
    super('term_out_of_range', `term ${term} is out of range: ${TERM_BOUND_MESSAGE}`, 400, {
      term,
      max: MAX_TERM,
    });
  }
}

/** Whether `term` is an integer in 0..MAX_TERM. */
export function termInRange(term: number): boolean {
  return Number.isInteger(term) && term >= 0 && term <= MAX_TERM;
}

/** Returns `term` when it is in 0..MAX_TERM. @throws TermOutOfRange otherwise */
export function assertTerm(term: number): number {
  if (!termInRange(term)) throw new TermOutOfRange(term);
  return term;
}
