/**
 * Round-robin (the default, source design): a counter walks the candidate list, so over any run of
 * `k × n` picks from a stable list of `n` servers each gets exactly `k`. When the list changes (a
 * server ejected or added) the counter simply continues modulo the new length — no server is
 * favoured for more than one turn.
 */
import { assertCandidates, type PickContext, type Strategy } from '../strategy.ts';

/** Creates a round-robin strategy with its own counter. */
export function createRoundRobin(): Strategy {
  let next = 0;
  return {
    name: 'round-robin',
    pick(candidates: readonly string[], ctx: PickContext): string {
      assertCandidates(candidates, ctx);
      const i = next % candidates.length;
      next = (i + 1) % Number.MAX_SAFE_INTEGER;
      return candidates[i] as string;
    },
  };
}
