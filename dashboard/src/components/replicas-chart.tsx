/**
 * Replicas per zone over the last ~5 minutes as step lines (collected client-side from `state`
 * ticks; the part of the window before the page opened is rebuilt from the state's scaling events),
 * with the policy's `maxReplicas` as a reference line.
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
          {zones.map((zone) => (
            <Line
              key={zone}
              dataKey={zone}
              name={zone}
              type="stepAfter"
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
