import { describe, expect, test } from 'bun:test';
import type { Socket } from 'bun';
import { OutQueue } from './socket-writer.ts';

const latin1 = new TextDecoder('latin1');
const bytes = (s: string) => Buffer.from(s, 'latin1');

/** A socket stand-in whose kernel takes at most `room` bytes until `drain(n)` frees more. */
function fakeSocket(room: number) {
  let free = room;
  let sent = '';
  const socket = {
    write(data: Uint8Array, from = 0, length = data.byteLength - from): number {
      const n = Math.min(free, length);
      sent += latin1.decode(data.subarray(from, from + n));
      free -= n;
      return n;
    },
  };
  return {
    socket: socket as unknown as Socket<unknown>,
    sent: () => sent,
    drain: (n: number) => {
      free += n;
    },
  };
}

describe('OutQueue', () => {
  test('what the socket takes goes at once; nothing is queued', () => {
    const s = fakeSocket(100);
    const q = new OutQueue();
    expect(q.write(s.socket, bytes('hello '), false)).toBe(true);
    expect(q.writeRange(s.socket, bytes('..world..'), 2, 7)).toBe(true);
    expect(s.sent()).toBe('hello world');
    expect(q.empty).toBe(true);
    expect(q.queued).toBe(0);
  });

  test.each([
    ['write, copied', (q: OutQueue, sock: Socket<unknown>, b: Uint8Array) => q.write(sock, b, true)],
    [
      'writeRange',
      (q: OutQueue, sock: Socket<unknown>, b: Uint8Array) => q.writeRange(sock, b, 0, b.byteLength),
    ],
  ])('%s: the rest the socket did not take is a copy, so the buffer may be reused at once', (_n, put) => {
    const s = fakeSocket(4);
    const q = new OutQueue();
    const buf = bytes('abcdefgh');
    expect(put(q, s.socket, buf)).toBe(false);
    expect(q.queued).toBe(4);
    buf.fill(0x7a); // the receive buffer is reused for the next read
    s.drain(100);
    expect(q.flush(s.socket)).toBe(true);
    expect(s.sent()).toBe('abcdefgh');
  });

  test('an own buffer (not copied) is queued as it is; later writes wait behind it, in order', () => {
    const s = fakeSocket(3);
    const q = new OutQueue();
    expect(q.write(s.socket, bytes('12345'), false)).toBe(false);
    expect(q.write(s.socket, bytes('67'), false)).toBe(false);
    expect(q.writeRange(s.socket, bytes('x89x'), 1, 3)).toBe(false);
    expect(q.queued).toBe(6);
    s.drain(2);
    expect(q.flush(s.socket)).toBe(false); // part of what waits
    expect(q.queued).toBe(4);
    s.drain(100);
    expect(q.flush(s.socket)).toBe(true);
    expect(s.sent()).toBe('123456789');
    expect(q.empty).toBe(true);
  });

  test('clear drops what waits', () => {
    const s = fakeSocket(0);
    const q = new OutQueue();
    q.write(s.socket, bytes('lost'), true);
    q.clear();
    expect(q.empty).toBe(true);
    expect(q.queued).toBe(0);
  });
});
