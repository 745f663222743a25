/**
 * Ordered writes to a Bun socket with an explicit queue: bytes the kernel did not take wait in
 * `pending` (in order, behind any earlier ones) until the socket's `drain` event `flush`es them.
 * `queued` counts those bytes, so a connection can stop producing (and stop reading) while its peer
 * does not read — the per-connection back-pressure of the data plane.
 */
import type { Socket } from 'bun';
import { copyOf } from './bytes.ts';

/** The unsent bytes of one socket. */
export class OutQueue {
  readonly pending: Uint8Array[] = [];
  /** Bytes in `pending`. */
  queued = 0;

  /**
   * Writes `data` behind unsent bytes; false when some of it had to be queued. `copy`: `data` is a
   * buffer that will be reused (Bun's receive buffer), so a queued remainder is copied.
   */
  write<T>(s: Socket<T>, data: Uint8Array, copy: boolean): boolean {
    if (copy) return this.writeRange(s, data, 0, data.byteLength);
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
   * false when some of it had to be queued. `data` will be reused, so a queued rest is copied, by
   * offset (a view first would cost a copy of its own), into a buffer of its own even when `data`
   * is a `Buffer`.
   */
  writeRange<T>(s: Socket<T>, data: Uint8Array, from: number, to: number): boolean {
    if (this.pending.length > 0) {
      this.push(copyOf(data, from, to));
      return false;
    }
    const n = s.write(data, from, to - from);
    if (n >= to - from) return true;
    this.push(copyOf(data, from + Math.max(0, n), to));
    return false;
  }

  /** Writes queued bytes (on `drain`); true once the queue is empty. */
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
    return true;
  }

  /** True while nothing waits to be written. */
  get empty(): boolean {
    return this.pending.length === 0;
  }

  /** Drops every queued byte (the socket is gone). */
  clear(): void {
    this.pending.length = 0;
    this.queued = 0;
  }

  private push(b: Uint8Array): void {
    this.pending.push(b);
    this.queued += b.byteLength;
  }
}
