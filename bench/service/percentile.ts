/**
 * The percentile the service bench reports (freshness p99): nearest rank, as the HDR histogram and
 * most load tools report it — the smallest value with at least p % of the values at or below it.
 * Pure; the bench's other summaries (median, max) come from `bench/support/cluster-probe.ts`.
 */

/**
 * The `p`-th percentile (0 < p <= 100) of `xs` by nearest rank: sorted ascending, the value at
 * rank ceil(p/100 x n) (1-based). Null for an empty list.
 * @throws RangeError when `p` is not in (0, 100]
 */
export function percentile(xs: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil((p / 100) * s.length) - 1]!;
}
