/**
 * Byte copies of the data path without a view per copy: `TypedArray.set` needs its source as an
 * array, so copying part of a buffer with it costs a `subarray` object each time, while Node's
 * `Buffer#copy` (which Bun implements natively and accepts any `Uint8Array` as source and target)
 * takes offsets. On the proxy's hot path that is several objects fewer per request.
 */

const bufferCopy = Buffer.prototype.copy;

/**
 * Copies `src[from..to)` into `dst` at `at`; returns `at` plus the bytes copied. The caller sizes
 * `dst`: a copy that does not fit is cut short at `dst`'s end (as `Buffer#copy` does).
 */
export function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  return at + (bufferCopy.call(src, dst, at, from, to) as number);
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
