/**
 * The bytes a raw front-end connection received and has not handled yet. A packet is appended in
 * place when the current bytes end the connection's own store and there is room after them, else
 * the store is replaced by one of twice the needed size, so a request arriving a byte at a time
 * costs amortised linear copying, not a copy of everything so far per packet. A packet that is all
 * the input stays a view of Bun's receive buffer until `own` copies it (before the data callback
 * returns). The store is let go as soon as the input is empty.
 */

/** Smallest store allocated, bytes. */
const MIN_STORE_BYTES = 4096;

/** A connection's unhandled input (`bytes`), appended to with `push`. */
export class InputBuffer {
  /** The input not handled yet; null when there is none. */
  bytes: Uint8Array | null = null;
  /** Where `bytes` lives when it is the connection's own copy; bytes after it are free. */
  private store: Uint8Array | null = null;
  /** Bytes of `bytes` already scanned for a head end without finding one (see `scanResume`). */
  scanned = 0;
  /** `bytes` may still be a view of the receive buffer (a packet that was all the input). */
  private borrowed = false;

  /** Appends `data` (a view valid during the data callback only). */
  push(data: Uint8Array): void {
    const b = this.bytes;
    if (!b) {
      this.bytes = data;
      this.borrowed = true;
      return;
    }
    this.borrowed = false;
    const s = this.store;
    const need = b.byteLength + data.byteLength;
    if (s && b.buffer === s.buffer) {
      const start = b.byteOffset - s.byteOffset;
      if (start + need <= s.byteLength) {
        s.set(data, start + b.byteLength);
        this.bytes = s.subarray(start, start + need);
        return;
      }
    }
    const next = new Uint8Array(Math.max(MIN_STORE_BYTES, need * 2));
    next.set(b, 0);
    next.set(data, b.byteLength);
    this.store = next;
    this.bytes = next.subarray(0, need);
  }

  /** Replaces the input by `rest` (a tail of it, or other bytes, or null when all is handled). */
  set(rest: Uint8Array | null): void {
    this.bytes = rest;
    this.scanned = 0;
    if (!rest) {
      this.store = null;
      this.borrowed = false;
    }
  }

  /** Keeps `from[at..]` as the input (none when `at` is its end): what follows a handled part. */
  rest(from: Uint8Array, at: number): void {
    this.set(at < from.byteLength ? from.subarray(at) : null);
  }

  /** Copies the input when it may still be a view of the receive buffer (call before the data callback returns). */
  own(): void {
    if (!this.borrowed) return;
    this.borrowed = false;
    if (this.bytes) this.bytes = this.bytes.slice();
  }
}
