/**
 * Per-zone average CPU over the last ~5 minutes (Recharts line per zone, 0–100 % on Y, time on X),
 * with the policy's `highCpu` (scale up) and `lowCpu` (scale down) thresholds as labelled reference
 * lines (for target tracking: the target and its tolerance band, see `policy-lines.ts`). Points come from the stream's merged history (see `history.ts`). Test id `cpu-chart`.
 */
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Policy } from '../../../server/shared/types.ts';
import { formatClock, formatPercent, zoneColor } from '../format.ts';
import type { CpuSeries } from '../history.ts';
import { policyLines } from '../policy-lines.ts';
import { minuteTicks, tickLabel, windowDomain } from './chart-axis.ts';

/** CPU chart; `zones` fixes the line order, `now` (epoch ms, from the state) the window's end. */
export function CpuChart({
  series,
  zones,
  policy,
  now,
  windowMs,
  height = 210,
}: {
  series: CpuSeries;
  zones: readonly string[];
  policy: Policy;
  now: number;
  /** Visible window, ms (default 5 min). */
  windowMs?: number;
  height?: number;
}) {
  const domain = windowDomain(now, windowMs);
  const lines = policyLines(policy);
  const visible = zones.map((zone) => ({
    zone,
    data: (series[zone] ?? []).filter((p) => p.t >= domain[0] - 15_000),
  }));
  const max = Math.max(100, ...visible.flatMap((v) => v.data.map((p) => p.cpu)));
  const yMax = Math.ceil(max / 25) * 25;
  // The chart-level rows only span the window so axes and thresholds render before any point exists.
  return (
    <div className="chart" data-testid="cpu-chart">
      <ResponsiveContainer width="100%" height={height}>
        <LineChart
          data={[{ t: domain[0] }, { t: domain[1] }]}
          margin={{ top: 8, right: 12, bottom: 0, left: 0 }}
        >
          <CartesianGrid stroke="var(--grid)" strokeDasharray="2 4" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            domain={domain}
            ticks={minuteTicks(domain)}
            tickFormatter={tickLabel}
            allowDataOverflow
            stroke="var(--axis)"
            tick={{ fontSize: 11 }}
          />
          <YAxis
            type="number"
            domain={[0, yMax]}
            allowDataOverflow
            ticks={[0, 25, 50, 75, 100].concat(yMax > 100 ? [yMax] : [])}
            unit="%"
            stroke="var(--axis)"
            tick={{ fontSize: 11 }}
            width={44}
          />
          <Tooltip
            labelFormatter={(t) => formatClock(Number(t))}
            formatter={(v, name) => [formatPercent(Number(v)), String(name)]}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }}
          />
          {lines.high !== null && (
            <ReferenceLine
              y={lines.high}
              stroke="var(--hot)"
              strokeDasharray="6 4"
              label={{
                value: `high ${lines.high} %`,
                position: 'insideTopRight',
                fill: 'var(--hot)',
                fontSize: 11,
              }}
            />
          )}
          {lines.low !== null && (
            <ReferenceLine
              y={lines.low}
              stroke="var(--cold)"
              strokeDasharray="6 4"
              label={{
                value: `low ${lines.low} %`,
                position: 'insideBottomRight',
                fill: 'var(--cold)',
                fontSize: 11,
              }}
            />
          )}
          {lines.target !== null && (
            <ReferenceLine
              y={lines.target}
              stroke="var(--axis)"
              data-testid="target-line"
              label={{ value: `target ${lines.target} %`, position: 'insideTopLeft', fontSize: 11 }}
            />
          )}
          {visible.map(({ zone, data }) => (
            <Line
              key={zone}
              name={zone}
              data={data}
              dataKey="cpu"
              type="monotone"
              stroke={zoneColor(zone)}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
              connectNulls
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
