/**
 * The shared contract suite every `Registry` adapter must pass (the Hono `common.case.test.ts`
 * pattern): fencing by term, compare-and-set leadership (including racing claims), the leader's
 * lease (renewal by the term holder only, claims barred until it lapses), the term bound (any
 * term outside 0..MAX_TERM throws `TermOutOfRange` and changes nothing), idempotent
 * removal, sorted container listing, and the capped newest-first event log. Each adapter's test
 * file calls `registryContract(name, factory)`; the factory returns a fresh, empty registry and the
 * suite closes it after each case. The cases live by area in `registry-contract/` (leadership.ts,
 * containers.ts, terms.ts, events.ts); the fixtures (`record`, `event`, `leaderAt`) in its
 * fixtures.ts, re-exported here.
 */
import { afterEach, describe } from 'bun:test';
import type { Registry } from './registry.ts';
import { containerCases } from './registry-contract/containers.ts';
import { eventCases } from './registry-contract/events.ts';
import { leadershipCases } from './registry-contract/leadership.ts';
import { termCases } from './registry-contract/terms.ts';

export { event, leaderAt, record } from './registry-contract/fixtures.ts';

/** Registers the contract suite for the adapter built by `factory` (a fresh, empty registry). */
export function registryContract(name: string, factory: () => Registry | Promise<Registry>): void {
  describe(`Registry contract: ${name}`, () => {
    let open: Registry[] = [];
    const fresh = async () => {
      const r = await factory();
      open.push(r);
      return r;
    };
    afterEach(async () => {
      for (const r of open) await r.close();
      open = [];
    });

    leadershipCases(fresh);
    containerCases(fresh);
    termCases(fresh);
    eventCases(fresh);
  });
}
