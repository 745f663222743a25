/**
 * The balancing strategy interface (one algorithm a file under `strategies/`, Traefik and Hono
 * style) and the one exhaustive `switch` that resolves a strategy name. A strategy only chooses: it
 * gets the candidate servers and a context (zone, in-flight counts, reported load, a random source,
 * the request's affinity key) and returns one candidate. Every strategy passes the shared suite in
 * `strategies/common.case.ts`.
 */
import { NoAvailableServer } from '../../shared/errors.ts';
import { createConsistentHash } from './strategies/consistent-hash.ts';
import { createLeastConnections } from './strategies/least-connections.ts';
import { createPowerOfTwo } from './strategies/power-of-two.ts';
import { createRoundRobin } from './strategies/round-robin.ts';

/** Strategy names accepted by `--strategy`, in the order the docs list them. */
export const STRATEGY_NAMES = ['round-robin', 'least-connections', 'p2c', 'consistent-hash'] as const;

/** Strategy names accepted by `--strategy`; add new ones to `STRATEGY_NAMES` and `createStrategy`. */
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** What a strategy may look at besides the candidates. */
export interface PickContext {
  /** Zone, for the `NoAvailableServer` error. */
  zone: string;
  /** Requests currently running on a server (least-connections, p2c). */
  inFlightOf(url: string): number;
  /** Uniform random source in [0, 1) (injected so tests are deterministic). */
  rand(): number;
  /** Affinity key of the request (header, cookie or client address) for consistent hashing. */
  key?: string;
  /**
   * CPU % the server reported in its last active health check (load-aware health), undefined when
   * unknown. Least-loaded strategies break in-flight ties with it.
   */
  cpuOf?(url: string): number | undefined;
}

/** A balancing algorithm. */
export interface Strategy {
  readonly name: StrategyName;
  /**
   * Chooses one of `candidates` (server origin URLs, non-empty in normal use).
   * @throws NoAvailableServer when `candidates` is empty (mapped to 503).
   */
  pick(candidates: readonly string[], ctx: PickContext): string;
}

/** Builds the strategy named `name`. */
export function createStrategy(name: StrategyName): Strategy {
  switch (name) {
    case 'round-robin':
      return createRoundRobin();
    case 'least-connections':
      return createLeastConnections();
    case 'p2c':
      return createPowerOfTwo();
    case 'consistent-hash':
      return createConsistentHash();
    default: {
      const never: never = name;
      throw new Error(`unknown strategy ${String(never)}`);
    }
  }
}

/**
 * Load order of two servers for least-loaded strategies: fewer requests in flight on this balancer
 * first, then lower reported CPU (unknown counts as 0). Negative when `a` is less loaded.
 */
export function compareLoad(a: string, b: string, ctx: PickContext): number {
  const d = ctx.inFlightOf(a) - ctx.inFlightOf(b);
  if (d !== 0 || !ctx.cpuOf) return d;
  return (ctx.cpuOf(a) ?? 0) - (ctx.cpuOf(b) ?? 0);
}

/** Shared guard for strategies: throws `NoAvailableServer` on an empty candidate list. */
export function assertCandidates(candidates: readonly string[], ctx: PickContext): void {
  if (candidates.length === 0) throw new NoAvailableServer(ctx.zone);
}
