/**
 * Slow start for joining servers (HAProxy `slowstart`, Envoy `slow_start_config`): a server that
 * enters the alive pool (added on scale-out, refill or recreate, or back from disconnected) gets a
 * weight that ramps linearly from `SLOW_START_MIN_WEIGHT` (10 %, Envoy's `min_weight_percent`
 * default) to 100 % over the slow-start window, Envoy's rule with `aggression` 1.0 (linear);
 * HAProxy's `ceil(weight × elapsed / slowstart)` is the same line without the floor, and the floor
 * keeps a fresh server from getting no traffic at all (its health and warm-up need some). The
 * decorator `withSlowStart` applies the weight to any strategy that chooses (round-robin,
 * least-connections, p2c): the inner strategy picks; a pick of a server at weight `w < 1` is kept
 * with probability `w` (the injected random source), else the request goes to the strategy's next
 * choice when that one is warmer (round-robin's next turn), else to its choice among the warmer
 * candidates — so a ramping server's share lies between `w` × its equal share (`w / n`) and the
 * weighted share HAProxy gives it (`w / (n − 1 + w)`; exactly that for round-robin over two
 * servers), the rest going to the warm servers. With no warmer candidate (a zone back from zero, or
 * every server new) the pick stands. Consistent hashing is not wrapped: moving a key off its server
 * for a few seconds would break the affinity the strategy exists for (HAProxy's `slowstart` does not
 * apply to static, hash-based algorithms either).
 */
import type { PickContext, Strategy } from '../strategy.ts';

/** Weight of a server at the start of its slow start, as a fraction of its full weight (Envoy: 10 %). */
export const SLOW_START_MIN_WEIGHT = 0.1;

/**
 * Slow-start weight of a server that joined at `joinedAt` (epoch ms), at `now`, over `windowMs`:
 * `min(1, max(0.1, (now − joinedAt) / windowMs))`, a fraction of its full weight. 1 when the window
 * is 0 (off) or the join time is unknown.
 */
export function slowStartWeight(joinedAt: number | undefined, now: number, windowMs: number): number {
  if (windowMs <= 0 || joinedAt === undefined) return 1;
  const f = (now - joinedAt) / windowMs;
  if (f >= 1) return 1;
  return f > SLOW_START_MIN_WEIGHT ? f : SLOW_START_MIN_WEIGHT;
}

/** What slow start needs: the window (ms), each server's join time (epoch ms) and the clock. */
export interface SlowStartOptions {
  windowMs: number;
  /** Epoch ms the server entered the alive pool; undefined when unknown (full weight). */
  joinedAt(url: string): number | undefined;
  now(): number;
}

/** The current slow-start weight of `url` (fraction of full weight, 0.1..1). */
export function weightOf(o: SlowStartOptions, url: string, now = o.now()): number {
  return slowStartWeight(o.joinedAt(url), now, o.windowMs);
}

/**
 * Wraps `inner` with slow start as the module comment says; returns `inner` itself when the window
 * is 0 (off) or the strategy is `consistent-hash`.
 */
export function withSlowStart(inner: Strategy, o: SlowStartOptions): Strategy {
  if (o.windowMs <= 0 || inner.name === 'consistent-hash') return inner;
  return {
    name: inner.name,
    pick(candidates: readonly string[], ctx: PickContext): string {
      const url = inner.pick(candidates, ctx);
      const now = o.now();
      const w = weightOf(o, url, now);
      if (w >= 1 || ctx.rand() < w) return url;
      // The strategy's next choice over the same list (round-robin's next turn) when it is warmer;
      // else its choice among the warmer servers (a least-loaded pick would choose the idle new one again).
      const again = inner.pick(candidates, ctx);
      if (again !== url && weightOf(o, again, now) > w) return again;
      const warmer = candidates.filter((c) => c !== url && weightOf(o, c, now) > w);
      return warmer.length === 0 ? url : inner.pick(warmer, ctx);
    },
  };
}
