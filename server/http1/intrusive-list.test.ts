import { describe, expect, test } from 'bun:test';
import { IntrusiveList, type Linked } from './intrusive-list.ts';

class Item implements Linked {
  listed = false;
  listPrev: Linked | null = null;
  listNext: Linked | null = null;
  constructor(readonly name: string) {}
}

const names = (l: IntrusiveList<Item>) => l.toArray().map((i) => i.name);

describe('IntrusiveList', () => {
  test('adds at the front and counts its members', () => {
    const l = new IntrusiveList<Item>();
    const [a, b, c] = [new Item('a'), new Item('b'), new Item('c')];
    l.add(a);
    l.add(b);
    l.add(c);
    expect(names(l)).toEqual(['c', 'b', 'a']);
    expect(l.size).toBe(3);
    expect(l.first).toBe(c);
    expect([a.listed, b.listed, c.listed]).toEqual([true, true, true]);
  });

  test.each([
    ['the first', 'c', ['b', 'a']],
    ['a middle one', 'b', ['c', 'a']],
    ['the last', 'a', ['c', 'b']],
  ])('removes %s and leaves it unlinked', (_what, gone, left) => {
    const l = new IntrusiveList<Item>();
    const items = ['a', 'b', 'c'].map((n) => new Item(n));
    for (const i of items) l.add(i);
    const g = items.find((i) => i.name === gone) as Item;
    l.remove(g);
    expect(names(l)).toEqual(left);
    expect(l.size).toBe(2);
    expect([g.listed, g.listPrev, g.listNext]).toEqual([false, null, null]);
    // the links of the others still run both ways
    const arr = l.toArray();
    expect(arr[1]?.listPrev).toBe(arr[0] as Item);
    expect(arr[0]?.listPrev).toBeNull();
  });

  test('adding a member twice or removing a non-member changes nothing', () => {
    const l = new IntrusiveList<Item>();
    const [a, b] = [new Item('a'), new Item('b')];
    l.add(a);
    l.add(a);
    l.remove(b);
    expect(names(l)).toEqual(['a']);
    expect(l.size).toBe(1);
    l.remove(a);
    l.remove(a);
    expect(names(l)).toEqual([]);
    expect(l.size).toBe(0);
    expect(l.first).toBeNull();
  });

  test('a removed member can be added again, to the front', () => {
    const l = new IntrusiveList<Item>();
    const [a, b] = [new Item('a'), new Item('b')];
    l.add(a);
    l.add(b);
    l.remove(a);
    l.add(a);
    expect(names(l)).toEqual(['a', 'b']);
  });

  test('toArray is a copy: members can be removed while going through it', () => {
    const l = new IntrusiveList<Item>();
    const items = ['a', 'b', 'c', 'd'].map((n) => new Item(n));
    for (const i of items) l.add(i);
    for (const i of l.toArray()) if (i.name !== 'b') l.remove(i);
    expect(names(l)).toEqual(['b']);
    expect(l.size).toBe(1);
  });
});
