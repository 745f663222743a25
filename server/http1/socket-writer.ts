/**
 * Ordered writes to a Bun socket with an explicit queue. Small writes are corked: copied into one
 * arena shared by every socket and written once the event loop has run every callback that was
 * ready (`CorkBatch`), so the answers to a burst of requests leave in one `write` per socket,
 * together — the peer wakes once for all of them, as it does beside HAProxy, which sends at the end
 * of each pass of its event loop. Bytes the kernel did not take wait in `pending` (in order) until
 * the socket's `drain` event `flush`es them; `queued` counts corked and pending bytes, so a
 * connection can stop producing (and stop reading) while its peer does not read — the
 * per-connection back-pressure of the data plane.
 */
import type { Socket } from 'bun';
import { copyBytes, copyOf } from './bytes.ts';

/** Writes gathered per socket in one turn of the event loop, bytes; a larger write goes at once. */
export const CORK_BYTES = 16 * 1024;

/** The arena's first size, bytes. */
const ARENA_START_BYTES = 64 * 1024;
/** The arena grows (doubling) up to this size, bytes; past it, a write goes at once. */
export const ARENA_MAX_BYTES = 1024 * 1024;

/**
 * The queues corked in this turn of the event loop, uncorked together by one `setImmediate` (which
 * Bun runs once the ready socket callbacks have all run). Their bytes live in one arena, reused
 * every turn (no buffer a socket, so 1,000 connections corking in one turn allocate nothing), each
 * queue's bytes in one contiguous range of it. One a process: `corkBatch`.
 */
export class CorkBatch {
  private readonly due: OutQueue[] = [];
  private scheduled = false;
  /** This turn's corked bytes; `used` bytes of it are taken. */
  arena = new Uint8Array(ARENA_START_BYTES);
  private used = 0;
  private readonly run = () => this.uncorkAll();

  /**
   * Copies `data[from..to)` behind a queue's corked range `[start, end)` of the arena (empty when
   * `start === end`), first moving that range to the arena's end when another queue wrote after it;
   * returns the range's new start, or -1 when the arena is full (the caller writes at once).
   */
  append(start: number, end: number, data: Uint8Array, from: number, to: number): number {
    const had = end - start;
    const last = had > 0 && end === this.used;
    const need = (last ? 0 : had) + (to - from);
    if (this.used + need > this.arena.byteLength && !this.grow(this.used + need)) return -1;
    let at = start;
    if (!last) {
      at = this.used;
      if (had > 0) this.arena.copyWithin(at, start, end);
      this.used += had;
    }
    copyBytes(data, from, to, this.arena, this.used);
    this.used += to - from;
    return at;
  }

  /** Uncorks `q` once this turn's callbacks have run. */
  add(q: OutQueue): void {
    this.due.push(q);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  /**
   * Uncorks every queue now (also those corked while this runs). A socket whose `write` throws
   * loses its corked bytes (its close event ends the connection); the others are still written.
   */
  uncorkAll(): void {
    const d = this.due;
    for (let i = 0; i < d.length; i++) {
      const q = d[i] as OutQueue;
      try {
        q.uncork();
      } catch {
        q.clear();
      }
    }
    d.length = 0;
    this.used = 0;
    this.scheduled = false;
  }

  /** Doubles the arena until `size` fits (keeping the bytes taken); false past `ARENA_MAX_BYTES`. */
  private grow(size: number): boolean {
    if (size > ARENA_MAX_BYTES) return false;
    let n = this.arena.byteLength * 2;
    while (n < size) n *= 2;
    const next = new Uint8Array(Math.min(n, ARENA_MAX_BYTES));
    next.set(this.arena.subarray(0, this.used));
    this.arena = next;
    return true;
  }
}

/** The process's cork batch. */
export const corkBatch = new CorkBatch();

/** The unsent bytes of one socket. */
export class OutQueue {
  /** Bytes the kernel did not take yet, in order (written on `drain`). */
  readonly pending: Uint8Array[] = [];
  /** Bytes corked and pending. */
  queued = 0;
  /** End the socket once everything queued is written. */
  private ending = false;
  private ended = false;
  /** Where this queue's corked bytes start in the batch's arena, and how many there are. */
  private corkAt = 0;
  private corked = 0;
  private corkSocket: Socket<unknown> | null = null;

  /** `batch`: where small writes are corked; null writes every one at once. */
  constructor(private readonly batch: CorkBatch | null = corkBatch) {}

  /**
   * Writes `data` behind unsent bytes; false when some of it waits for the kernel (the caller
   * stops producing until `drain`). `copy`: `data` is a buffer that will be reused (Bun's receive
   * buffer), so a queued remainder is copied.
   */
  write<T>(s: Socket<T>, data: Uint8Array, copy: boolean): boolean {
    if (copy || this.corkable(data.byteLength)) return this.writeRange(s, data, 0, data.byteLength);
    if (this.corked > 0 && !this.writeCork()) {
      this.push(data);
      return false;
    }
    if (this.pending.length > 0) {
      this.push(data);
      return false;
    }
    const n = s.write(data);
    if (n >= data.byteLength) return true;
    this.push(data.subarray(Math.max(0, n)));
    return false;
  }

  /**
   * Writes `data[from..to)` behind unsent bytes, by offset (no view of `data`, see `http1/bytes.ts`);
   * false when some of it waits for the kernel. `data` may be reused, so what is corked or queued
   * is copied, by offset (a view first would cost a copy of its own), even when `data` is a `Buffer`.
   */
  writeRange<T>(s: Socket<T>, data: Uint8Array, from: number, to: number): boolean {
    if (this.pending.length > 0) {
      this.push(copyOf(data, from, to));
      return false;
    }
    const length = to - from;
    if (length === 0) return true;
    if (this.corkable(length)) {
      const batch = this.batch as CorkBatch;
      const at = batch.append(this.corkAt, this.corkAt + this.corked, data, from, to);
      if (at >= 0) {
        if (this.corked === 0) {
          this.corkSocket = s as Socket<unknown>;
          batch.add(this);
        }
        this.corkAt = at;
        this.corked += length;
        this.queued += length;
        return true;
      }
    }
    if (this.corked > 0 && !this.writeCork()) {
      this.push(copyOf(data, from, to));
      return false;
    }
    const n = s.write(data, from, length);
    if (n >= length) return true;
    this.push(copyOf(data, from + Math.max(0, n), to));
    return false;
  }

  /** Writes what is corked (by `CorkBatch` at the end of the turn), ending the socket if asked. */
  uncork(): void {
    if (this.corked === 0) return;
    const s = this.corkSocket as Socket<unknown>;
    if (this.writeCork() && this.ending) this.end(s);
  }

  /** Writes queued bytes (on `drain`); true once the queue is empty (and the socket ended if asked). */
  flush<T>(s: Socket<T>): boolean {
    const p = this.pending;
    while (p.length > 0) {
      const b = p[0] as Uint8Array;
      const n = s.write(b);
      if (n < b.byteLength) {
        const taken = Math.max(0, n);
        p[0] = b.subarray(taken);
        this.queued -= taken;
        return false;
      }
      this.queued -= b.byteLength;
      p.shift();
    }
    if (this.ending && this.corked === 0) this.end(s);
    return true;
  }

  /** Ends `s` now when nothing is queued, else once everything queued is written. */
  endWhenWritten<T>(s: Socket<T>): void {
    this.ending = true;
    if (this.empty) this.end(s);
  }

  /**
   * Ends `s` now: what is corked is written first (it would have been written already without the
   * cork), what waits for the kernel is dropped.
   */
  endNow<T>(s: Socket<T>): void {
    if (this.corked > 0) this.writeCork();
    this.clear();
    this.end(s);
  }

  /** True once the socket is to end (or has ended) after its queued bytes. */
  get endRequested(): boolean {
    return this.ending;
  }

  /** True while nothing waits to be written, corked or pending. */
  get empty(): boolean {
    return this.pending.length === 0 && this.corked === 0;
  }

  /** True while bytes wait for the kernel to take them (for `drain`): the peer is not reading. */
  get blocked(): boolean {
    return this.pending.length > 0;
  }

  /** Drops every queued byte (the socket is gone). */
  clear(): void {
    this.pending.length = 0;
    this.queued = 0;
    this.ending = false;
    this.releaseCork();
  }

  /** A write of `length` bytes fits the cork (nothing pending, room left). */
  private corkable(length: number): boolean {
    return this.batch !== null && this.pending.length === 0 && this.corked + length <= CORK_BYTES;
  }

  /** Writes the corked bytes; true when the kernel took them all (else the rest is pending). */
  private writeCork(): boolean {
    const s = this.corkSocket as Socket<unknown>;
    const arena = (this.batch as CorkBatch).arena;
    const at = this.corkAt;
    const length = this.corked;
    const n = s.write(arena, at, length);
    this.queued -= length;
    this.releaseCork();
    if (n < length) this.push(copyOf(arena, at + Math.max(0, n), at + length));
    return n >= length;
  }

  private end<T>(s: Socket<T>): void {
    if (this.ended) return;
    this.ended = true;
    s.end();
  }

  private releaseCork(): void {
    this.corked = 0;
    this.corkSocket = null;
  }

  private push(b: Uint8Array): void {
    this.pending.push(b);
    this.queued += b.byteLength;
  }
}
