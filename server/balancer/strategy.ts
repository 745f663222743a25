/**
 * The balancing strategy interface (one algorithm a file under `strategies/`, Traefik and Hono
 * style) and the one exhaustive `switch` that resolves a strategy name. A strategy only chooses: it
 * gets the candidate servers and a context (zone, in-flight counts, a random source, the request
 * key) and returns one candidate. Every strategy passes the shared suite in
 * `strategies/common.case.ts`.
 */
import { NoAvailableServer } from '../shared/errors.ts';
import { createRoundRobin } from './strategies/round-robin.ts';

/** Strategy names accepted by `--strategy`; add new ones here and in `createStrategy`. */
export type StrategyName = 'round-robin';

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
    default: {
      const never: never = name;
      throw new Error(`unknown strategy ${String(never)}`);
    }
  }
}

/** Shared guard for strategies: throws `NoAvailableServer` on an empty candidate list. */
export function assertCandidates(candidates: readonly string[], ctx: PickContext): void {
  if (candidates.length === 0) throw new NoAvailableServer(ctx.zone);
}
