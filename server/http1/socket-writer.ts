/**
 * Ordered writes to a Bun socket with an explicit queue. Small writes are corked: gathered in a
 * buffer of the queue's own and written once the event loop has run every callback that was ready
 * (`CorkBatch`), so the answers to a burst of requests leave in one `write` per socket, together —
 * the peer wakes once for all of them, as it does beside HAProxy, which sends at the end of each
 * pass of its event loop. Bytes the kernel did not take wait in `pending` (in order) until the
 * socket's `drain` event `flush`es them; `queued` counts corked and pending bytes, so a connection
 * can stop producing (and stop reading) while its peer does not read — the per-connection
 * back-pressure of the data plane.
 */
import type { Socket } from 'bun';
import { copyBytes, copyOf } from './bytes.ts';

/** Writes gathered per socket in one turn of the event loop, bytes; a larger write goes at once. */
export const CORK_BYTES = 16 * 1024;

/** Spare cork buffers kept for reuse, at most. */
const MAX_SPARE_CORKS = 256;

/**
 * The queues corked in this turn of the event loop, uncorked together by one `setImmediate` (which
 * Bun runs once the ready socket callbacks have all run). One a process: `corkBatch`.
 */
export class CorkBatch {
  private readonly due: OutQueue[] = [];
  private scheduled = false;
  private readonly spare: Uint8Array[] = [];
  private readonly run = () => this.uncorkAll();

  /** A cork buffer (`CORK_BYTES`), reused once given back. */
  take(): Uint8Array {
    return this.spare.pop() ?? new Uint8Array(CORK_BYTES);
  }

  /** Gives back a buffer from `take`. */
  give(b: Uint8Array): void {
    if (this.spare.length < MAX_SPARE_CORKS) this.spare.push(b);
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
    this.scheduled = false;
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
  private cork: Uint8Array | null = null;
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
      if (this.corked === 0) {
        this.cork ??= (this.batch as CorkBatch).take();
        this.corkSocket = s as Socket<unknown>;
        (this.batch as CorkBatch).add(this);
      }
      copyBytes(data, from, to, this.cork as Uint8Array, this.corked);
      this.corked += length;
      this.queued += length;
      return true;
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

  /** Writes the cork's bytes; true when the kernel took them all (else the rest is pending). */
  private writeCork(): boolean {
    const s = this.corkSocket as Socket<unknown>;
    const c = this.cork as Uint8Array;
    const length = this.corked;
    const n = s.write(c, 0, length);
    this.queued -= length;
    this.corked = 0;
    if (n < length) this.push(copyOf(c, Math.max(0, n), length));
    this.releaseCork();
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
    if (this.cork) (this.batch as CorkBatch).give(this.cork);
    this.cork = null;
  }

  private push(b: Uint8Array): void {
    this.pending.push(b);
    this.queued += b.byteLength;
  }
}
