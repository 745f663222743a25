/**
 * The shared test suite every balancing strategy must pass (Hono's `common.case.test.ts` pattern):
 * call `describeStrategy('name', factory)` from the strategy's own `*.test.ts`. It checks the
 * contract only — picks are candidates, empty lists throw `NoAvailableServer`, every server gets
 * traffic, removed servers get none — so round-robin, least-connections, p2c and a hash ring can all
 * run it unchanged.
 */
import { describe, expect, test } from 'bun:test';
import { NoAvailableServer } from '../../shared/errors.ts';
import { mulberry32 } from '../../shared/random.ts';
import type { PickContext, Strategy } from '../strategy.ts';

/** A deterministic random source (mulberry32) so suites never flake. */
export const seededRand = mulberry32;

/** A pick context with no in-flight requests and a seeded random source. */
export function testContext(over: Partial<PickContext> = {}): PickContext {
  return { zone: 'zone1', inFlightOf: () => 0, rand: seededRand(42), ...over };
}

const SERVERS = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3', 'http://127.0.0.1:4'];

/** Registers the shared strategy contract tests for `factory`. */
export function describeStrategy(name: string, factory: () => Strategy): void {
  describe(`${name} strategy (shared suite)`, () => {
    test('it always returns one of the candidates', () => {
      const s = factory();
      const ctx = testContext();
      for (let i = 0; i < 200; i++) expect(SERVERS).toContain(s.pick(SERVERS, { ...ctx, key: `k${i}` }));
    });

    test('an empty candidate list throws NoAvailableServer naming the zone', () => {
      const s = factory();
      expect(() => s.pick([], testContext({ zone: 'zone7' }))).toThrow(NoAvailableServer);
      expect(() => s.pick([], testContext({ zone: 'zone7' }))).toThrow(/zone7/);
    });

    test('a single candidate is always picked', () => {
      const s = factory();
      for (let i = 0; i < 20; i++)
        expect(s.pick([SERVERS[0] as string], testContext({ key: `k${i}` }))).toBe(SERVERS[0] as string);
    });

    test('every candidate receives traffic over many requests with distinct keys', () => {
      const s = factory();
      const ctx = testContext();
      const hits = new Map<string, number>();
      for (let i = 0; i < 400; i++) {
        const u = s.pick(SERVERS, { ...ctx, key: `client-${i}` });
        hits.set(u, (hits.get(u) ?? 0) + 1);
      }
      for (const u of SERVERS) expect(hits.get(u) ?? 0).toBeGreaterThan(400 / SERVERS.length / 4);
    });

    test('a server removed from the candidates receives no more picks', () => {
      const s = factory();
      const ctx = testContext();
      const remaining = SERVERS.slice(1);
      for (let i = 0; i < 100; i++)
        expect(s.pick(remaining, { ...ctx, key: `k${i}` })).not.toBe(SERVERS[0] as string);
    });
  });
}
