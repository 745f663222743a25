/**
 * A tiny inline SVG line of a server's CPU over the last minute (0–100 %, taller values clipped),
 * with the policy's scale-up line as a faint dash. No Recharts: dozens of these render every second.
 */

/** Sparkline of `values` (%, oldest first); `high` draws the scale-up line. */
export function Sparkline({
  values,
  high,
  width = 80,
  height = 20,
}: {
  values: readonly number[];
  high?: number;
  width?: number;
  height?: number;
}) {
  const y = (v: number) => height - (Math.min(100, Math.max(0, v)) / 100) * (height - 2) - 1;
  const n = values.length;
  const points = values
    .map((v, i) => `${n <= 1 ? width : (i / (n - 1)) * width},${y(v).toFixed(1)}`)
    .join(' ');
  return (
    <svg
      className="spark"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      aria-hidden="true"
    >
      {high !== undefined && (
        <line
          x1={0}
          x2={width}
          y1={y(high)}
          y2={y(high)}
          stroke="var(--hot)"
          strokeDasharray="2 3"
          strokeWidth={1}
          opacity={0.6}
        />
      )}
      {n > 0 && <polyline points={points} fill="none" stroke="var(--accent)" strokeWidth={1.5} />}
    </svg>
  );
}
