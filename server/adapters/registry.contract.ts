/**
 * The shared contract suite every `Registry` adapter must pass (the Hono `common.case.test.ts`
 * pattern): fencing by term, compare-and-set leadership (including racing claims), the leader's
 * lease (renewal by the term holder only, claims barred until it lapses), the term bound (any
 * term outside 0..MAX_TERM throws `TermOutOfRange` and changes nothing), idempotent
 * removal, sorted container listing, and the capped newest-first event log. Each adapter's test
 * file calls `registryContract(name, factory)`; the factory returns a fresh, empty registry and the
 * suite closes it after each case.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { StaleTerm } from '../shared/errors.ts';
import { MAX_TERM, TermOutOfRange } from '../shared/term.ts';
import type { ClusterEvent, ContainerRecord, LeaderInfo } from '../shared/types.ts';
import type { Registry } from './registry.ts';

/** A container record for tests: `port` and `url` derived from `createdAt`. */
export function record(
  id: string,
  zone: string,
  createdAt: number,
  port = 9100 + (createdAt % 99) + 1,
): ContainerRecord {
  return { id, role: 'app', zone, url: `http://127.0.0.1:${port}`, port, runtimeId: `pid-${id}`, createdAt };
}

/** A cluster event for tests. */
export function event(id: string, ts: number, term = 1): ClusterEvent {
  return {
    id,
    ts,
    kind: 'scale-up',
    zone: 'zone1',
    reason: 'AboveHighThreshold',
    message: `event ${id}`,
    from: 1,
    to: 2,
    serverId: null,
    term,
  };
}

/** A leader for tests: monitor `id` at term `term`. */
export function leaderAt(id: number, term: number): LeaderInfo {
  return { id, url: `http://127.0.0.1:${7000 + id}`, term, since: 1_000 * term };
}

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

    describe('leadership', () => {
      test('a fresh registry has no leader', async () => {
        const r = await fresh();
        expect(await r.leader()).toBeNull();
      });

      test('the first claim with expected term 0 succeeds and is stored', async () => {
        const r = await fresh();
        expect(await r.claimLeadership(0, leaderAt(2, 1))).toBe(true);
        expect(await r.leader()).toEqual(leaderAt(2, 1));
      });

      test.each([
        ['the expected term is not the stored one', 0, 3],
        ['the expected term is newer than the stored one', 2, 3],
        ['the next term equals the expected term', 1, 1],
        ['the next term is older than the expected term', 1, 0],
      ])('a claim fails and changes nothing when %s', async (_case, expected, nextTerm) => {
        const r = await fresh();
        await r.claimLeadership(0, leaderAt(1, 1));
        expect(await r.claimLeadership(expected, leaderAt(3, nextTerm))).toBe(false);
        expect(await r.leader()).toEqual(leaderAt(1, 1));
      });

      test('successive claims may skip terms as long as each expects the stored one', async () => {
        const r = await fresh();
        expect(await r.claimLeadership(0, leaderAt(1, 1))).toBe(true);
        expect(await r.claimLeadership(1, leaderAt(3, 4))).toBe(true);
        expect(await r.claimLeadership(4, leaderAt(2, 5))).toBe(true);
        expect(await r.leader()).toEqual(leaderAt(2, 5));
      });

      test('two claims racing with the same expected term: exactly one wins and is stored', async () => {
        const r = await fresh();
        await r.claimLeadership(0, leaderAt(1, 1));
        const [a, b] = await Promise.all([
          r.claimLeadership(1, leaderAt(2, 2)),
          r.claimLeadership(1, leaderAt(3, 2)),
        ]);
        expect([a, b].filter(Boolean)).toHaveLength(1);
        expect(await r.leader()).toEqual(a ? leaderAt(2, 2) : leaderAt(3, 2));
      });

      test('ten claims racing from no leader: exactly one wins', async () => {
        const r = await fresh();
        const wins = await Promise.all(
          Array.from({ length: 10 }, (_, i) => r.claimLeadership(0, leaderAt(i + 1, 1 + i))),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        const winner = wins.indexOf(true);
        expect(await r.leader()).toEqual(leaderAt(winner + 1, 1 + winner));
      });
    });

    describe('lease', () => {
      const leased = (id: number, term: number, leaseUntil: number): LeaderInfo => ({
        ...leaderAt(id, term),
        leaseUntil,
      });

      test('a claim carrying a lease stores it, and the leader renews it while it holds the term', async () => {
        const r = await fresh();
        expect(await r.claimLeadership(0, leased(2, 1, 5_000), 1_000)).toBe(true);
        expect(await r.leader()).toEqual(leased(2, 1, 5_000));
        expect(await r.renewLease(1, 9_000)).toBe(true);
        expect((await r.leader())?.leaseUntil).toBe(9_000);
      });

      test.each([
        ['an older term', 1],
        ['a term that was never stored', 7],
      ])('renewing with %s fails and changes nothing', async (_case, term) => {
        const r = await fresh();
        await r.claimLeadership(0, leased(1, 1, 5_000));
        await r.claimLeadership(1, leased(2, 2, 6_000));
        expect(await r.renewLease(term, 99_000)).toBe(false);
        expect(await r.leader()).toEqual(leased(2, 2, 6_000));
      });

      test('renewing before any leader is stored fails', async () => {
        const r = await fresh();
        expect(await r.renewLease(0, 5_000)).toBe(false);
        expect(await r.leader()).toBeNull();
      });

      test.each([
        ['another id while its lease runs', 3, 4_999, false],
        ['another id once its lease has lapsed', 3, 5_000, true],
        ['the lease holder itself (a restarted leader)', 2, 1_000, true],
      ] as const)('a claim with a clock by %s: %p', async (_case, claimant, now, wins) => {
        const r = await fresh();
        await r.claimLeadership(0, leased(2, 1, 5_000));
        expect(await r.claimLeadership(1, leased(claimant, 2, now + 3_000), now)).toBe(wins);
        expect((await r.leader())?.term).toBe(wins ? 2 : 1);
      });

      test('a released lease (renewed to now) lets another id claim at once', async () => {
        const r = await fresh();
        await r.claimLeadership(0, leased(2, 1, 5_000));
        expect(await r.renewLease(1, 1_000)).toBe(true);
        expect(await r.claimLeadership(1, leased(3, 2, 4_000), 1_000)).toBe(true);
      });

      test('a claim without a clock ignores the lease (the plain compare-and-set)', async () => {
        const r = await fresh();
        await r.claimLeadership(0, leased(2, 1, 5_000));
        expect(await r.claimLeadership(1, leaderAt(3, 2))).toBe(true);
        expect(await r.leader()).toEqual(leaderAt(3, 2));
      });
    });

    describe('containers', () => {
      test('a stored container reads back equal, and an unknown id reads null', async () => {
        const r = await fresh();
        await r.putContainer(record('zone1-app-1', 'zone1', 10), 0);
        expect(await r.container('zone1-app-1')).toEqual(record('zone1-app-1', 'zone1', 10));
        expect(await r.container('nope')).toBeNull();
      });

      test('a container’s node (multi-node runtimes) reads back, and a record without one has none', async () => {
        const r = await fresh();
        const placed = { ...record('zone1-app-2', 'zone1', 11), node: 'n7', url: 'http://10.0.0.7:9102' };
        await r.putContainer(placed, 0);
        await r.putContainer(record('zone1-app-1', 'zone1', 10), 0);
        expect(await r.container('zone1-app-2')).toEqual(placed);
        expect(await r.containers('zone1')).toEqual([record('zone1-app-1', 'zone1', 10), placed]);
        expect(await r.container('zone1-app-1')).not.toHaveProperty('node');
      });

      test('putting the same id again replaces the record', async () => {
        const r = await fresh();
        await r.putContainer(record('a', 'zone1', 10), 0);
        await r.putContainer(
          { ...record('a', 'zone1', 10), runtimeId: 'pid-2', port: 9150, url: 'http://127.0.0.1:9150' },
          0,
        );
        expect(await r.containers()).toEqual([
          { ...record('a', 'zone1', 10), runtimeId: 'pid-2', port: 9150, url: 'http://127.0.0.1:9150' },
        ]);
      });

      test('containers are sorted by createdAt then id, and filter by zone', async () => {
        const r = await fresh();
        for (const c of [
          record('c', 'zone2', 20),
          record('b', 'zone1', 20),
          record('z', 'zone1', 5),
          record('a', 'zone2', 30),
        ]) {
          await r.putContainer(c, 0);
        }
        expect((await r.containers()).map((c) => c.id)).toEqual(['z', 'b', 'c', 'a']);
        expect((await r.containers('zone1')).map((c) => c.id)).toEqual(['z', 'b']);
        expect(await r.containers('zone9')).toEqual([]);
      });

      test('removing a container returns true once, then false (idempotent)', async () => {
        const r = await fresh();
        await r.putContainer(record('a', 'zone1', 1), 0);
        expect(await r.removeContainer('a', 0)).toBe(true);
        expect(await r.removeContainer('a', 0)).toBe(false);
        expect(await r.container('a')).toBeNull();
      });

      test('mutating a returned record does not change the stored one', async () => {
        const r = await fresh();
        await r.putContainer(record('a', 'zone1', 1), 0);
        const got = await r.container('a');
        if (got) got.port = 1;
        expect((await r.container('a'))?.port).toBe(record('a', 'zone1', 1).port);
      });
    });

    describe('fencing', () => {
      const staleWrites: [string, (r: Registry, term: number) => Promise<unknown>][] = [
        ['putContainer', (r, t) => r.putContainer(record('new', 'zone1', 99), t)],
        ['removeContainer', (r, t) => r.removeContainer('old', t)],
        ['appendEvent', (r, t) => r.appendEvent(event('e-new', 99, t), t)],
      ];

      test.each(staleWrites)(
        '%s with a term older than the leader term throws StaleTerm and changes nothing',
        async (_n, write) => {
          const r = await fresh();
          await r.claimLeadership(0, leaderAt(1, 3));
          await r.putContainer(record('old', 'zone1', 1), 3);
          await r.appendEvent(event('e-old', 1, 3), 3);
          const err = await write(r, 2).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(StaleTerm);
          expect((err as StaleTerm).offered).toBe(2);
          expect((err as StaleTerm).current).toBe(3);
          expect((await r.containers()).map((c) => c.id)).toEqual(['old']);
          expect((await r.events(10)).map((e) => e.id)).toEqual(['e-old']);
          expect((await r.leader())?.term).toBe(3);
        },
      );

      test.each([3, 4])(
        'writes carrying the leader term or a newer one (%i against 3) succeed',
        async (term) => {
          const r = await fresh();
          await r.claimLeadership(0, leaderAt(1, 3));
          await r.putContainer(record('old', 'zone1', 1), term);
          await r.putContainer(record('new', 'zone1', 2), term);
          expect(await r.removeContainer('old', term)).toBe(true);
          await r.appendEvent(event('e1', 1, term), term);
          expect((await r.containers()).map((c) => c.id)).toEqual(['new']);
          expect((await r.events(10)).map((e) => e.id)).toEqual(['e1']);
        },
      );

      test('before any leader is stored, writes with term 0 succeed', async () => {
        const r = await fresh();
        await r.putContainer(record('a', 'zone1', 1), 0);
        await r.appendEvent(event('e1', 1, 0), 0);
        expect(await r.container('a')).not.toBeNull();
        expect(await r.events(5)).toHaveLength(1);
      });

      test('a former leader is fenced off once a successor claims a newer term', async () => {
        const r = await fresh();
        await r.claimLeadership(0, leaderAt(1, 1));
        await r.putContainer(record('a', 'zone1', 1), 1);
        await r.claimLeadership(1, leaderAt(2, 2));
        await expect(r.removeContainer('a', 1)).rejects.toBeInstanceOf(StaleTerm);
        expect(await r.container('a')).not.toBeNull();
        expect(await r.removeContainer('a', 2)).toBe(true);
      });
    });

    describe('term bound', () => {
      const calls: [string, (r: Registry, t: number) => Promise<unknown>][] = [
        ['claimLeadership (next term)', (r, t) => r.claimLeadership(1, leaderAt(2, t))],
        ['claimLeadership (expected term)', (r, t) => r.claimLeadership(t, leaderAt(2, 3))],
        ['renewLease', (r, t) => r.renewLease(t, 9_000)],
        ['putContainer', (r, t) => r.putContainer(record('new', 'zone1', 99), t)],
        ['removeContainer', (r, t) => r.removeContainer('old', t)],
        ['appendEvent', (r, t) => r.appendEvent(event('e-new', 99, t), t)],
      ];
      const cases = calls.flatMap(([n, call]) =>
        [MAX_TERM + 1, 2 ** 53 - 1, -1, 1.5].map((t) => [n, t, call] as const),
      );

      test.each(cases)(
        '%s with term %p throws TermOutOfRange and changes nothing',
        async (_n, term, call) => {
          const r = await fresh();
          await r.claimLeadership(0, leaderAt(1, 1));
          await r.putContainer(record('old', 'zone1', 1), 1);
          const err = await call(r, term).then(
            () => null,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(TermOutOfRange);
          expect((err as TermOutOfRange).message).toContain(String(MAX_TERM));
          expect(await r.leader()).toEqual(leaderAt(1, 1));
          expect((await r.containers()).map((c) => c.id)).toEqual(['old']);
          expect(await r.events(10)).toEqual([]);
        },
      );

      test('a claim may land on the bound itself, and nothing can be claimed above it', async () => {
        const r = await fresh();
        await r.claimLeadership(0, leaderAt(1, 1));
        expect(await r.claimLeadership(1, leaderAt(2, MAX_TERM))).toBe(true);
        expect(await r.leader()).toEqual(leaderAt(2, MAX_TERM));
        expect(await r.claimLeadership(MAX_TERM, leaderAt(3, MAX_TERM))).toBe(false);
        await r.putContainer(record('a', 'zone1', 1), MAX_TERM);
        await expect(r.putContainer(record('b', 'zone1', 2), MAX_TERM - 1)).rejects.toBeInstanceOf(StaleTerm);
      });
    });

    describe('events', () => {
      test('events come newest first and respect the limit', async () => {
        const r = await fresh();
        for (const id of ['e1', 'e2', 'e3']) await r.appendEvent(event(id, 100), 0);
        expect((await r.events(10)).map((e) => e.id)).toEqual(['e3', 'e2', 'e1']);
        expect((await r.events(2)).map((e) => e.id)).toEqual(['e3', 'e2']);
        expect(await r.events(0)).toEqual([]);
        expect((await r.events(1))[0]).toEqual(event('e3', 100));
      });

      test('appending an event id already stored keeps one copy (a retried write is idempotent)', async () => {
        const r = await fresh();
        await r.appendEvent(event('e1', 1), 0);
        await r.appendEvent(event('e1', 1), 0);
        expect((await r.events(10)).map((e) => e.id)).toEqual(['e1']);
      });

      test('only the newest 500 events are kept', async () => {
        const r = await fresh();
        for (let i = 1; i <= 505; i++) await r.appendEvent(event(`e${i}`, i), 0);
        const all = await r.events(1_000);
        expect(all).toHaveLength(500);
        expect(all[0]?.id).toBe('e505');
        expect(all.at(-1)?.id).toBe('e6');
      });
    });
  });
}
