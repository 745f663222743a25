import { describe, expect, test } from 'bun:test';
import { FreeList, type Recyclable } from './free-list.ts';

class Thing implements Recyclable {
  released = false;
  generation = 0;
  owner: string | null = null;
  reset(): void {
    this.owner = null;
  }
}

describe('FreeList', () => {
  test('a released object is reset, reused once, and its generation moves on', () => {
    const list = new FreeList(() => new Thing());
    const a = list.take();
    a.owner = 'first';
    const gen = a.generation;
    list.release(a);
    expect(a.owner).toBeNull();
    const b = list.take();
    expect(b).toBe(a);
    expect(b.generation).toBe(gen + 1);
    expect(list.take()).not.toBe(a);
  });

  test('a second release is refused and reported: two later takes never share an object', () => {
    const reported: Thing[] = [];
    const list = new FreeList(
      () => new Thing(),
      8,
      (t) => reported.push(t),
    );
    const a = list.take();
    list.release(a);
    list.release(a);
    expect(list.doubleReleases).toBe(1);
    expect(reported).toEqual([a]);
    expect(list.size).toBe(1);
    expect(list.take()).not.toBe(list.take());
  });

  test('objects past the bound are dropped, not listed', () => {
    const list = new FreeList(() => new Thing(), 1);
    const [a, b] = [list.take(), list.take()];
    list.release(a);
    list.release(b);
    expect(list.size).toBe(1);
  });
});
