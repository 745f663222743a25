/**
 * Least-connections (HAProxy `leastconn`, Envoy `LEAST_REQUEST` with all servers scanned): the
 * candidate with the fewest requests in flight on this balancer wins; ties are broken by the CPU the
 * server reported in its last health check (load-aware health), then by rotation, so equally idle
 * servers share the traffic instead of the first one taking it all. O(n) per pick.
 */
import { assertCandidates, compareLoad, type PickContext, type Strategy } from '../strategy.ts';

/** Creates a least-connections strategy with its own tie-breaking rotation counter. */
export function createLeastConnections(): Strategy {
  let offset = 0;
  return {
    name: 'least-connections',
    pick(candidates: readonly string[], ctx: PickContext): string {
      assertCandidates(candidates, ctx);
      const n = candidates.length;
      const start = offset % n;
      offset = (start + 1) % Number.MAX_SAFE_INTEGER;
      let best = candidates[start] as string;
      for (let i = 1; i < n; i++) {
        const c = candidates[(start + i) % n] as string;
        if (compareLoad(c, best, ctx) < 0) best = c;
      }
      return best;
    },
  };
}
