import { describe, expect, test } from 'bun:test';
import type { Socket } from 'bun';
import { fakeSocket } from '../../test/support/fake-out-socket.ts';
import { ARENA_MAX_BYTES, CORK_BYTES, CorkBatch, OutQueue } from './socket-writer.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('CorkBatch', () => {
  test('a socket whose write throws loses only its own bytes; the others and later turns are written', () => {
    const batch = new CorkBatch();
    const good = fakeSocket(1000);
    const bad = {
      write: () => {
        throw new Error('socket gone');
      },
      end() {},
    } as unknown as Socket<unknown>;
    const qBad = new OutQueue(batch);
    const qGood = new OutQueue(batch);
    qBad.write(bad, bytes('x'), false);
    qGood.write(good.socket, bytes('first'), false);
    batch.uncorkAll();
    expect(good.sent()).toBe('first');
    expect(qBad.empty).toBe(true);
    qGood.write(good.socket, bytes(' second'), false);
    batch.uncorkAll();
    expect(good.sent()).toBe('first second');
  });

  test('a queue corked while the batch uncorks is written in the same pass', () => {
    const batch = new CorkBatch();
    const a = fakeSocket(1000);
    const b = fakeSocket(1000);
    const qb = new OutQueue(batch);
    const sa = {
      write: (d: Uint8Array, from?: number, n?: number) => {
        qb.write(b.socket, bytes('from a'), false); // e.g. a write that wakes another connection
        return a.socket.write(d, from, n);
      },
      end() {},
    } as unknown as Socket<unknown>;
    new OutQueue(batch).write(sa, bytes('a'), false);
    batch.uncorkAll();
    expect(a.sent()).toBe('a');
    expect(b.sent()).toBe('from a');
  });

  test('writes of two sockets interleaved in one turn: each still leaves as one write, in order', () => {
    const batch = new CorkBatch();
    const a = fakeSocket(1000);
    const b = fakeSocket(1000);
    const qa = new OutQueue(batch);
    const qb = new OutQueue(batch);
    for (const [i, part] of ['1', '2', '3'].entries()) {
      qa.write(a.socket, bytes(`a${part};`), false);
      qb.write(b.socket, bytes(`b${part}${'.'.repeat(i)};`), false);
    }
    batch.uncorkAll();
    expect([a.sent(), a.writes()]).toEqual(['a1;a2;a3;', 1]);
    expect([b.sent(), b.writes()]).toEqual(['b1;b2.;b3..;', 1]);
  });

  test('the arena grows past its first size for a busy turn, keeping what was corked, and is reused after', () => {
    const batch = new CorkBatch();
    const sockets = Array.from({ length: 100 }, () => fakeSocket(4096));
    const turn = () => {
      sockets.forEach((s, i) => {
        new OutQueue(batch).write(s.socket, new Uint8Array(1024).fill(i), false);
      });
      batch.uncorkAll();
    };
    turn(); // 100 KiB corked in one turn: more than the arena's first 64 KiB
    const grown = batch.arena;
    expect(grown.byteLength).toBeGreaterThanOrEqual(100 * 1024);
    turn();
    expect(batch.arena).toBe(grown); // the next turn reuses it
    sockets.forEach((s, i) => {
      expect(s.sent()).toBe(String.fromCharCode(i).repeat(2048));
    });
  });

  test('past the arena bound a write goes at once: nothing lost, each socket in order', () => {
    const batch = new CorkBatch();
    const n = Math.ceil(ARENA_MAX_BYTES / CORK_BYTES) + 4;
    const sockets = Array.from({ length: n }, () => fakeSocket(4 * CORK_BYTES));
    const queues = sockets.map(() => new OutQueue(batch));
    sockets.forEach((s, i) => {
      queues[i]!.write(s.socket, bytes(`${i}:`), false);
      queues[i]!.write(s.socket, new Uint8Array(CORK_BYTES - 16).fill(0x2e), false);
    });
    expect(batch.arena.byteLength).toBe(ARENA_MAX_BYTES);
    const early = sockets.filter((s) => s.writes() > 0).length;
    expect(early).toBeGreaterThan(0); // these did not fit
    batch.uncorkAll();
    sockets.forEach((s, i) => {
      expect(s.sent()).toBe(`${i}:${'.'.repeat(CORK_BYTES - 16)}`);
    });
  });
});
