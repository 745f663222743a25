/** The consistent-hash ring: stable placement, balance, and only about 1/N of keys moving on a change. */
import { describe, expect, test } from 'bun:test';
import { HashRing, hashKey } from './hash-ring.ts';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => `http://127.0.0.1:${9101 + i}`);
const KEYS = Array.from({ length: 20_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);

function assign(ring: HashRing): Map<string, string> {
  return new Map(KEYS.map((k) => [k, ring.lookup(k) as string]));
}

function moved(a: Map<string, string>, b: Map<string, string>): string[] {
  return KEYS.filter((k) => a.get(k) !== b.get(k));
}

describe('hash ring', () => {
  test('hashKey is a stable uint32', () => {
    expect(hashKey('127.0.0.1')).toBe(hashKey('127.0.0.1'));
    expect(hashKey('127.0.0.1')).not.toBe(hashKey('127.0.0.2'));
    for (const k of KEYS.slice(0, 100)) expect(hashKey(k) >>> 0).toBe(hashKey(k));
  });

  test('the ring depends on the node set only, not on its order or duplicates', () => {
    const a = new HashRing(nodes(4));
    const b = new HashRing([...nodes(4)].reverse().concat(nodes(2)));
    expect(b.nodes).toEqual(a.nodes);
    for (const k of KEYS.slice(0, 500)) expect(b.lookup(k)).toBe(a.lookup(k) as string);
  });

  test('an empty ring returns undefined and a bad vnodes count throws', () => {
    expect(new HashRing([]).lookup('x')).toBeUndefined();
    expect(() => new HashRing(['a'], { vnodes: 0 })).toThrow(RangeError);
  });

  test('with 160 virtual nodes each of 5 nodes holds within 25 % of its fair share', () => {
    const counts = new Map<string, number>();
    for (const n of assign(new HashRing(nodes(5))).values()) counts.set(n, (counts.get(n) ?? 0) + 1);
    expect(counts.size).toBe(5);
    for (const c of counts.values())
      expect(Math.abs(c - KEYS.length / 5) / (KEYS.length / 5)).toBeLessThan(0.25);
  });

  test.each([3, 5, 8])(
    'a node joining %i nodes takes about 1/(N+1) of the keys, all of them to itself',
    (n) => {
      const before = assign(new HashRing(nodes(n)));
      const grown = new HashRing(nodes(n + 1));
      const after = assign(grown);
      const m = moved(before, after);
      const share = m.length / KEYS.length;
      expect(share).toBeGreaterThan(0.6 / (n + 1));
      expect(share).toBeLessThan(1.4 / (n + 1));
      const joiner = nodes(n + 1)[n] as string;
      for (const k of m) expect(after.get(k)).toBe(joiner);
    },
  );

  test.each([3, 5, 8])('a node leaving %i nodes moves only its own keys, about 1/N', (n) => {
    const all = nodes(n);
    const before = assign(new HashRing(all));
    const leaver = all[1] as string;
    const after = assign(new HashRing(all.filter((x) => x !== leaver)));
    const m = moved(before, after);
    for (const k of m) expect(before.get(k)).toBe(leaver);
    expect(m.length).toBe([...before.values()].filter((v) => v === leaver).length);
    expect(m.length / KEYS.length).toBeGreaterThan(0.6 / n);
    expect(m.length / KEYS.length).toBeLessThan(1.4 / n);
  });

  test('lookup with an accept filter equals a ring built without the refused nodes', () => {
    const all = nodes(5);
    const full = new HashRing(all);
    const refused = new Set([all[0], all[3]]);
    const smaller = new HashRing(all.filter((x) => !refused.has(x)));
    for (const k of KEYS.slice(0, 2_000))
      expect(full.lookup(k, (x) => !refused.has(x))).toBe(smaller.lookup(k) as string);
    expect(full.lookup('k', () => false)).toBeUndefined();
  });
});
