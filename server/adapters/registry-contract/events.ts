/** The registry contract's event cases: the log comes newest first, is idempotent by id and capped at 500. */
import { describe, expect, test } from 'bun:test';
import { event, type Fresh } from './fixtures.ts';

/** Registers the `events` cases, each on a registry from `fresh`. */
export function eventCases(fresh: Fresh): void {
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
}
