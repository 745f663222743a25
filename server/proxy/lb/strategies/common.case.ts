/**
 * The shared test suite every balancing strategy must pass (Hono's `common.case.test.ts` pattern):
 * call `describeStrategy('name', factory)` from the strategy's own `*.test.ts`. It checks the
 * contract only — picks are candidates, empty lists throw `NoAvailableServer`, every server gets
 * traffic, removed servers get none — so round-robin, least-connections, p2c and a hash ring can all
 * run it unchanged. Its slow-start cases (`withSlowStart`, `now` injected) check that a joining
 * server's share rises with its weight (`w` × its equal share) for the strategies that choose, and
 * that consistent hashing is left as it is.
 */
import { describe, expect, test } from 'bun:test';
import { NoAvailableServer } from '../../../shared/errors.ts';
import { mulberry32 } from '../../../shared/random.ts';
import type { PickContext, Strategy } from '../strategy.ts';
import { withSlowStart } from './slow-start.ts';

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

    describeSlowStart(factory);
  });
}

/** Share of `SERVERS[0]` over `picks` picks (distinct keys) with it joined `elapsedMs` ago (window 10 s). */
function newServerShare(factory: () => Strategy, elapsedMs: number, picks = 4_000): number {
  const T0 = 1_000_000;
  const s = withSlowStart(factory(), {
    windowMs: 10_000,
    joinedAt: (u) => (u === SERVERS[0] ? T0 : 0),
    now: () => T0 + elapsedMs,
  });
  const ctx = testContext();
  let hits = 0;
  for (let i = 0; i < picks; i++) if (s.pick(SERVERS, { ...ctx, key: `client-${i}` }) === SERVERS[0]) hits++;
  return hits / picks;
}

function describeSlowStart(factory: () => Strategy): void {
  const hashed = factory().name === 'consistent-hash';
  describe('slow start', () => {
    test('a window of 0 (off) leaves the strategy as it is', () => {
      const inner = factory();
      expect(withSlowStart(inner, { windowMs: 0, joinedAt: () => 0, now: () => 0 })).toBe(inner);
    });

    if (hashed) {
      test('consistent hashing is not wrapped: a key keeps its server while it ramps', () => {
        const inner = factory();
        expect(withSlowStart(inner, { windowMs: 10_000, joinedAt: () => 0, now: () => 1 })).toBe(inner);
      });
      return;
    }

    // elapsed ms -> expected share of the joining server: weight × 1/4 (4 servers), weight 10 % floor.
    const table: [number, number][] = [
      [0, 0.1 / 4],
      [2_500, 0.25 / 4],
      [5_000, 0.5 / 4],
      [7_500, 0.75 / 4],
      [10_000, 1 / 4],
      [60_000, 1 / 4],
    ];
    for (const [elapsed, share] of table)
      test(`a server that joined ${elapsed} ms ago (window 10 s) gets about ${(share * 100).toFixed(1)} % of picks`, () => {
        const got = newServerShare(factory, elapsed);
        expect(Math.abs(got - share)).toBeLessThan(0.025);
      });

    test("the joining server's share rises over the window", () => {
      const shares = [0, 2_500, 5_000, 7_500, 10_000].map((e) => newServerShare(factory, e));
      for (let i = 1; i < shares.length; i++)
        expect(shares[i] as number).toBeGreaterThan((shares[i - 1] as number) - 0.01);
      expect(shares[4] as number).toBeGreaterThan((shares[0] as number) * 5);
    });

    test('a ramping server with no warmer candidate still gets every pick (a zone back from zero)', () => {
      const s = withSlowStart(factory(), { windowMs: 10_000, joinedAt: () => 0, now: () => 1 });
      const only = [SERVERS[0] as string];
      for (let i = 0; i < 50; i++)
        expect(s.pick(only, testContext({ key: `k${i}` }))).toBe(only[0] as string);
    });
  });
}
