/**
 * Consistent hashing for session affinity: the request's affinity key (a configured header, a
 * cookie or the client address, see `affinity-key.ts`) is looked up on a `HashRing` of the
 * candidates, so the same key keeps reaching the same server and a server joining or leaving moves
 * only about 1/N of the keys. The ring is rebuilt only when the candidate set grows beyond it; a
 * smaller set (a retry excluding tried servers, an ejected server) is served by walking the cached
 * ring past the missing nodes, which gives the same answer as a ring without them. A request with no
 * key goes to a random candidate.
 */
import { assertCandidates, type PickContext, type Strategy } from '../strategy.ts';
import { HashRing, type HashRingOptions } from './hash-ring.ts';

/** Subset lookups served by walking the cached ring before it is rebuilt for the smaller set. */
const SUBSET_PICKS_BEFORE_REBUILD = 64;

/** Creates a consistent-hash strategy (ring options: `vnodes`, default 160). */
export function createConsistentHash(opts: HashRingOptions = {}): Strategy {
  let ring = new HashRing([], opts);
  let ringFor: readonly string[] | null = null;
  let subsetPicks = 0;
  return {
    name: 'consistent-hash',
    pick(candidates: readonly string[], ctx: PickContext): string {
      assertCandidates(candidates, ctx);
      const key = ctx.key;
      if (key === undefined) return candidates[Math.floor(ctx.rand() * candidates.length)] as string;
      if (candidates === ringFor) {
        subsetPicks = 0;
        return ring.lookup(key) as string;
      }
      const onRing = candidates.every((c) => ring.has(c));
      if (onRing && candidates.length === ring.size) {
        ringFor = candidates;
        return ring.lookup(key) as string;
      }
      if (onRing && ++subsetPicks <= SUBSET_PICKS_BEFORE_REBUILD) {
        const allowed = new Set(candidates);
        return ring.lookup(key, (n) => allowed.has(n)) as string;
      }
      ring = new HashRing(candidates, opts);
      ringFor = candidates;
      subsetPicks = 0;
      return ring.lookup(key) as string;
    },
  };
}
