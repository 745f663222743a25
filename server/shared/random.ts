/**
 * Seeded randomness for policy code and tests. Policy functions take a `rand: () => number`
 * (Traefik style), so tests and the chaos bench pass this deterministic source and never flake.
 */

/**
 * mulberry32: a small, fast 32-bit seeded PRNG returning numbers in [0, 1). The same seed gives the
 * same sequence on every run and machine. Not for anything security-related.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
