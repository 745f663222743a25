/** The pool's demand rule and idle trimming, over fake connections (no sockets). */
import { describe, expect, test } from 'bun:test';
import { OriginPool, type Pooled } from './pool.ts';

class FakeConn implements Pooled {
  closed = false;
  idleSince = 0;
  destroy(): void {
    this.closed = true;
  }
}

const conns = (n: number) => Array.from({ length: n }, () => new FakeConn());

describe('OriginPool', () => {
  test('keeps idle connections up to the peak in flight, and closes the ones beyond it', () => {
    const p = new OriginPool<FakeConn, never>('http://u:1', 'u:1');
    for (let i = 0; i < 3; i++) p.begin();
    for (let i = 0; i < 3; i++) p.end();
    const cs = conns(4);
    for (const c of cs) p.keep(c, Number.POSITIVE_INFINITY);
    expect(p.idle.length).toBe(3);
    expect(cs.map((c) => c.closed)).toEqual([false, false, false, true]);
  });

  test('a hard cap still applies', () => {
    const p = new OriginPool<FakeConn, never>('http://u:1', 'u:1');
    for (let i = 0; i < 5; i++) p.begin();
    for (const c of conns(5)) p.keep(c, 2);
    expect(p.idle.length).toBe(2);
  });

  test('take gives the most recently kept open connection, skipping closed ones', () => {
    const p = new OriginPool<FakeConn, never>('http://u:1', 'u:1');
    for (let i = 0; i < 3; i++) p.begin();
    const [a, b, c] = conns(3) as [FakeConn, FakeConn, FakeConn];
    p.keep(a, 10);
    p.keep(b, 10);
    p.keep(c, 10);
    c.closed = true;
    expect(p.take()).toBe(b);
    expect(p.take()).toBe(a);
    expect(p.take()).toBeNull();
  });

  test('trim closes connections idle too long; the demand falls back to the traffic over two periods', () => {
    const p = new OriginPool<FakeConn, never>('http://u:1', 'u:1');
    for (let i = 0; i < 4; i++) p.begin();
    const cs = conns(4);
    for (const c of cs) p.keep(c, 10);
    for (let i = 0; i < 4; i++) p.end();
    (cs[0] as FakeConn).idleSince = 0;
    (cs[1] as FakeConn).idleSince = 0;
    p.trim(1, false);
    expect(p.idle.length).toBe(2);
    expect(cs.map((c) => c.closed)).toEqual([true, true, false, false]);
    p.trim(0, true); // a new period: the last one's peak (4) still counts
    expect([p.peak, p.lastPeak]).toEqual([0, 4]);
    p.trim(0, true); // another: no traffic at all since
    expect([p.peak, p.lastPeak]).toEqual([0, 0]);
    const extra = new FakeConn();
    p.keep(extra, 10);
    expect(extra.closed).toBe(true);
  });
});
