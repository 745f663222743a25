/**
 * The registry contract's container cases: records read back equal (a node included), a put
 * replaces, listing is sorted by createdAt then id and filters by zone, removal is idempotent, and
 * a returned record is a copy.
 */
import { describe, expect, test } from 'bun:test';
import { type Fresh, record } from './fixtures.ts';

/** Registers the `containers` cases, each on a registry from `fresh`. */
export function containerCases(fresh: Fresh): void {
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
}
