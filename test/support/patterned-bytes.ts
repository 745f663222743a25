/**
 * Bodies for tests that check large payloads byte for byte: patterned by position, so a byte
 * lost, doubled, moved or read from a freed buffer changes the SHA-256 they are compared by.
 */
import { createHash } from 'node:crypto';

/** `n` bytes whose byte i is a function of i and `seed` (an integer). */
export function pattern(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed + (i >> 11)) & 255;
  return b;
}

/** The SHA-256 of `b`, hex. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
