/**
 * Replicas per zone over the last ~5 minutes as step lines (collected client-side from `state`
 * ticks; the part of the window before the page opened is rebuilt from the state's scaling events),
 * with the policy's `maxReplicas` as a reference line. No point is drawn before a zone existed, and
 * lines of equal value stay apart by width and dash (`lineStyle`).
 * Test id `replicas-chart`.
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
import type { ClusterState } from '../../../server/shared/types.ts';
import { formatClock, zoneColor } from '../format.ts';
import { type ReplicaRow, replicaRowsFromEvents } from '../history.ts';
import { minuteTicks, tickLabel, windowDomain } from './chart-axis.ts';

const DASHES = [undefined, '9 5', '3 4', '12 3 3 3'];

/**
 * Stroke of the `i`-th of `n` zone lines: the first drawn (lowest) is the widest and solid, each
 * next one thinner and dashed differently, so zones with equal replica counts, whose step lines
 * lie on top of each other, stay distinguishable: the wider line shows around and through the
 * gaps of the one above it.
 */
export function lineStyle(i: number, n: number): { strokeWidth: number; strokeDasharray?: string } {
  const strokeWidth = 2 + 1.5 * Math.max(0, n - 1 - i);
  const dash = DASHES[i % DASHES.length];
  return dash === undefined ? { strokeWidth } : { strokeWidth, strokeDasharray: dash };
}

/** Replicas step chart; `state.now` (epoch ms) ends the window. */
export function ReplicasChart({
  rows,
  zones,
  state,
  height = 210,
  windowMs,
}: {
  rows: readonly ReplicaRow[];
  zones: readonly string[];
  state: ClusterState;
  height?: number;
  /** Visible window, ms (default 5 min). */
  windowMs?: number;
}) {
  const { policy, now } = state;
  const domain = windowDomain(now, windowMs);
  const collected = rows.filter((r) => r.t >= domain[0] - 15_000);
  const first = collected[0];
  const backfill =
    first === undefined || first.t > domain[0]
      ? replicaRowsFromEvents(state, domain[0], first?.t ?? now)
      : [];
  const data = [...backfill, ...collected].map((r) => ({ t: r.t, ...r.counts }));
  const max = Math.max(policy.maxReplicas, ...rows.flatMap((r) => Object.values(r.counts)));
  return (
    <div className="chart" data-testid="replicas-chart">
      <ResponsiveContainer width="100%" height={height}>
        <LineChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
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
            domain={[0, max + 1]}
            allowDecimals={false}
            stroke="var(--axis)"
            tick={{ fontSize: 11 }}
            width={28}
          />
          <Tooltip
            labelFormatter={(t) => formatClock(Number(t))}
            contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }}
          />
          <ReferenceLine
            y={policy.maxReplicas}
            stroke="var(--axis)"
            strokeDasharray="4 4"
            label={{
              value: `max ${policy.maxReplicas}`,
              position: 'insideTopRight',
              fill: 'var(--muted)',
              fontSize: 11,
            }}
          />
          {zones.map((zone, i) => (
            <Line
              key={zone}
              dataKey={zone}
              name={zone}
              type="stepAfter"
              stroke={zoneColor(zone)}
              {...lineStyle(i, zones.length)}
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
