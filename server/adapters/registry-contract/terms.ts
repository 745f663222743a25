/**
 * The registry contract's term cases: every write is fenced by the stored leader term (an older
 * one throws `StaleTerm` and changes nothing), and any term outside 0..MAX_TERM, in a claim, a
 * renewal or a write, throws `TermOutOfRange` and changes nothing.
 */
import { describe, expect, test } from 'bun:test';
import { StaleTerm } from '../../shared/errors.ts';
import { MAX_TERM, TermOutOfRange } from '../../shared/term.ts';
import type { Registry } from '../registry.ts';
import { event, type Fresh, leaderAt, record } from './fixtures.ts';

/** Registers the `fencing` and `term bound` cases, each on a registry from `fresh`. */
export function termCases(fresh: Fresh): void {
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

    test.each(cases)('%s with term %p throws TermOutOfRange and changes nothing', async (_n, term, call) => {
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
    });

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
}
