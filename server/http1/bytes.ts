/**
 * Byte helpers of the data path that take offsets instead of a view (`subarray`). A view costs more
 * than its object: a buffer Bun hands to a socket's `data` callback, or one from
 * `Buffer.allocUnsafe`, has no `ArrayBuffer` of its own yet, and the first view of it makes JSC give
 * it one, in the collected heap, as large as the buffer. Under load that turned every received
 * answer into collector work: a 2 KiB chunked answer checked through a view doubled the
 * balancer's eden-collection pause time. So on the hot path bytes are copied (`copyBytes`, Node's
 * `Buffer#copy`, which Bun implements natively and which takes any `Uint8Array`) and read as text
 * (`latin1Of`, `Buffer#toString` with offsets) by offset, and parsers take a start offset.
 * `releaseReceived` gives a large received buffer's memory back as soon as its callback is over.
 */

const bufferCopy = Buffer.prototype.copy;
const bufferToString = Buffer.prototype.toString;

/**
 * Copies `src[from..to)` into `dst` at `at`; returns `at` plus the bytes copied. The caller sizes
 * `dst`: a copy that does not fit is cut short at `dst`'s end (as `Buffer#copy` does).
 */
export function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  return at + (bufferCopy.call(src, dst, at, from, to) as number);
}

/**
 * A copy of `src[from..to)` in a new buffer of its own, whatever `src` is (`Buffer#slice` would
 * return a view of a `Buffer`, not a copy).
 */
export function copyOf(src: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  copyBytes(src, from, to, out, 0);
  return out;
}

/**
 * `buf[from..to)` as a string, one character a byte (Latin-1: byte n is U+00nn), without a view.
 * For the request line's method and target, which are ASCII once checked (`request-line.ts`).
 */
export function latin1Of(buf: Uint8Array, from: number, to: number): string {
  return bufferToString.call(buf, 'latin1', from, to);
}

/** Writes `n` (an integer ≥ 0) in decimal ASCII into `dst` at `at`; returns the offset after it. */
export function writeDecimal(n: number, dst: Uint8Array, at: number): number {
  const end = at + decimalLength(n);
  let i = end;
  let v = n;
  do {
    dst[--i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  } while (v > 0);
  return end;
}

/** Decimal digits of `n` (an integer ≥ 0). */
export function decimalLength(n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
}

/** Received buffers of at least this many bytes are released by `releaseReceived`. */
export const RELEASE_MIN_BYTES = 32 * 1024;

type Transferable = ArrayBuffer & { transfer(length: number): ArrayBuffer };

/**
 * Frees the memory of `data`, a buffer Bun handed to a socket's `data` callback, once that
 * callback is over. Every data path here copies what outlives the callback (the rule of
 * `InputBuffer.own`, `OutQueue.writeRange`, the response stream), so nothing holds a view of it.
 * `ArrayBuffer.prototype.transfer(0)` detaches it and frees its store at once instead of at a
 * later collection, and the next read's buffer, which Bun fills by copying out of its receive
 * buffer, reuses that cache-warm memory: on 64 KiB answers the copy took half the time and the
 * balancer a fifth less CPU a request, 44 → 35 µs (bench NOTES, 2026-12-06). Only for a buffer
 * of at least `RELEASE_MIN_BYTES` (below it the transfer costs more than it saves, ~0.5 µs) that
 * is a whole `ArrayBuffer` of its own, never a slice of a shared one.
 */
export function releaseReceived(data: Uint8Array): void {
  if (data.byteLength < RELEASE_MIN_BYTES || data.byteOffset !== 0) return;
  const ab = data.buffer as Transferable;
  if (ab.byteLength === data.byteLength && typeof ab.transfer === 'function') ab.transfer(0);
}
