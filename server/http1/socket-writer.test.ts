import { describe, expect, test } from 'bun:test';
import type { Socket } from 'bun';
import { fakeSocket } from '../../test/support/fake-out-socket.ts';
import { CORK_BYTES, CorkBatch, OutQueue } from './socket-writer.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('OutQueue without a cork', () => {
  test('what the socket takes goes at once; nothing is queued', () => {
    const s = fakeSocket(100);
    const q = new OutQueue(null);
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
    const q = new OutQueue(null);
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
    const q = new OutQueue(null);
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
    const q = new OutQueue(null);
    q.write(s.socket, bytes('lost'), true);
    q.clear();
    expect(q.empty).toBe(true);
    expect(q.queued).toBe(0);
  });
});

describe('OutQueue with a cork', () => {
  test('small writes in one turn leave as one write, in order, when the batch uncorks', () => {
    const s = fakeSocket(1000);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    expect(q.write(s.socket, bytes('HTTP/1.1 200 OK\r\n'), false)).toBe(true);
    expect(q.writeRange(s.socket, bytes('xx\r\nhi'), 2, 6)).toBe(true);
    expect(q.write(s.socket, bytes('!'), true)).toBe(true);
    expect(s.writes()).toBe(0);
    expect(q.queued).toBe(22);
    expect(q.empty).toBe(false);
    expect(q.blocked).toBe(false); // corked is not back-pressure
    batch.uncorkAll();
    expect(s.writes()).toBe(1);
    expect(s.sent()).toBe('HTTP/1.1 200 OK\r\n\r\nhi!');
    expect(q.empty).toBe(true);
    expect(q.queued).toBe(0);
  });

  test('what is corked is a copy: the caller may reuse its buffer at once', () => {
    const s = fakeSocket(1000);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    const buf = bytes('abcdef');
    q.write(s.socket, buf, false);
    buf.fill(0x7a);
    batch.uncorkAll();
    expect(s.sent()).toBe('abcdef');
  });

  test.each([
    ['write', (q: OutQueue, sock: Socket<unknown>, b: Uint8Array) => q.write(sock, b, false)],
    [
      'writeRange',
      (q: OutQueue, sock: Socket<unknown>, b: Uint8Array) => q.writeRange(sock, b, 0, b.byteLength),
    ],
  ])('%s larger than the cork writes the corked bytes first, then itself at once', (_n, put) => {
    const s = fakeSocket(10 * CORK_BYTES);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    q.write(s.socket, bytes('head;'), false);
    const big = new Uint8Array(CORK_BYTES).fill(0x62);
    expect(put(q, s.socket, big)).toBe(true);
    expect(s.writes()).toBe(2);
    expect(s.sent()).toBe(`head;${'b'.repeat(CORK_BYTES)}`);
    expect(q.empty).toBe(true);
    batch.uncorkAll(); // nothing left to write
    expect(s.writes()).toBe(2);
  });

  test('writes that overflow the cork together go out in order, none lost', () => {
    const s = fakeSocket(10 * CORK_BYTES);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    const part = CORK_BYTES / 4 + 1; // the fourth no longer fits
    let want = '';
    for (let i = 0; i < 4; i++) {
      const b = new Uint8Array(part).fill(0x61 + i);
      q.write(s.socket, b, false);
      want += String.fromCharCode(0x61 + i).repeat(part);
    }
    batch.uncorkAll();
    expect(s.sent()).toBe(want);
  });

  test('a cork the kernel takes only part of: the rest waits for drain, and is back-pressure', () => {
    const s = fakeSocket(3);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    q.write(s.socket, bytes('abcdef'), false);
    batch.uncorkAll();
    expect(q.blocked).toBe(true);
    expect(q.queued).toBe(3);
    // The cork buffer went back to the batch and is reused at once by another queue.
    const other = new OutQueue(batch);
    other.write(fakeSocket(100).socket, bytes('zzzzzz'), false);
    expect(q.write(s.socket, bytes('gh'), false)).toBe(false); // behind the pending bytes, not corked
    s.drain(100);
    expect(q.flush(s.socket)).toBe(true);
    expect(s.sent()).toBe('abcdefgh');
  });

  test.each([
    ['nothing queued: at once', 0, 1000],
    ['corked bytes: once the batch uncorks', 1, 1000],
    ['bytes the kernel refused: once they drain', 1, 2],
  ])('endWhenWritten with %s, exactly once', (_n, nBytes, room) => {
    const s = fakeSocket(room);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    if (nBytes) q.write(s.socket, bytes('answer'), false);
    q.endWhenWritten(s.socket);
    expect(q.endRequested).toBe(true);
    batch.uncorkAll();
    s.drain(100);
    q.flush(s.socket);
    q.flush(s.socket);
    expect(s.ends()).toBe(1);
    expect(s.sent()).toBe(nBytes ? 'answer' : '');
  });

  test('the socket ends only after its corked bytes are written', () => {
    const s = fakeSocket(1000);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    q.write(s.socket, bytes('bye'), false);
    q.endWhenWritten(s.socket);
    expect(s.ends()).toBe(0);
    batch.uncorkAll();
    expect(s.sent()).toBe('bye');
    expect(s.ends()).toBe(1);
  });

  test('endNow writes what is corked, drops what the kernel refused, and ends once', () => {
    const s = fakeSocket(1000);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    q.write(s.socket, bytes('corked'), false);
    q.endNow(s.socket);
    expect(s.sent()).toBe('corked');
    expect(s.ends()).toBe(1);
    batch.uncorkAll();
    expect(s.writes()).toBe(1);
    const t = fakeSocket(2);
    const r = new OutQueue(batch);
    r.write(t.socket, bytes('refused'), false);
    batch.uncorkAll(); // 're' taken, 'fused' waits for the kernel
    r.endNow(t.socket);
    t.drain(100);
    expect(r.flush(t.socket)).toBe(true);
    expect(t.sent()).toBe('re');
    expect(t.ends()).toBe(1);
  });

  test('clear drops corked bytes: the batch writes nothing for that queue', () => {
    const s = fakeSocket(1000);
    const batch = new CorkBatch();
    const q = new OutQueue(batch);
    q.write(s.socket, bytes('lost'), false);
    q.clear();
    expect(q.empty).toBe(true);
    batch.uncorkAll();
    expect(s.writes()).toBe(0);
  });

  test('one batch uncorks every socket corked in the turn, each with its own bytes', () => {
    const batch = new CorkBatch();
    const sockets = Array.from({ length: 5 }, () => fakeSocket(1000));
    const queues = sockets.map(() => new OutQueue(batch));
    queues.forEach((q, i) => {
      q.write(sockets[i]!.socket, bytes(`answer ${i};`), false);
    });
    queues.forEach((q, i) => {
      q.write(sockets[i]!.socket, bytes(`more ${i}`), false);
    });
    batch.uncorkAll();
    sockets.forEach((s, i) => {
      expect(s.sent()).toBe(`answer ${i};more ${i}`);
      expect(s.writes()).toBe(1);
    });
  });

  test('the process batch uncorks on its own once the turn is over (setImmediate)', async () => {
    const s = fakeSocket(1000);
    const q = new OutQueue();
    q.write(s.socket, bytes('later'), false);
    expect(s.writes()).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(s.sent()).toBe('later');
  });
});
