/**
 * One live line chart (Recharts) over the rolling sample window: time on the x axis, one metric on
 * the y axis, with an optional shaded band (the scenario targets). Animations are off so a new
 * point each second does not make the line wobble.
 */
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Sample } from './types.ts';

const clock = (ts: number) =>
  new Date(ts).toLocaleTimeString([], {
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/** A chart of `metric` over `samples`; `unit` labels the axis and tooltip (e.g. `%`, `MB`, `req/s`). */
export function MetricChart(props: {
  title: string;
  samples: Sample[];
  metric: 'cpu' | 'memoryMb' | 'throughput';
  unit: string;
  color: string;
  domain?: [number, number | 'auto' | ((dataMax: number) => number)];
  bands?: { from: number; to: number; label: string; color: string }[];
}) {
  const last = props.samples.at(-1);
  const summary = last
    ? `${props.title}: ${last[props.metric].toFixed(1)} ${props.unit}`
    : `${props.title}: no data yet`;
  return (
    <figure className="chart card">
      <figcaption>
        <span>{props.title}</span>
        <strong>{last ? `${last[props.metric].toFixed(1)} ${props.unit}` : '—'}</strong>
      </figcaption>
      <div
        role="img"
        aria-label={`${summary}; chart of the last 2 minutes`}
        style={{ width: '100%', height: 180 }}
      >
        <ResponsiveContainer>
          <LineChart data={props.samples} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
            {props.bands?.map((b) => (
              <ReferenceArea
                key={b.label}
                y1={b.from}
                y2={b.to}
                fill={b.color}
                fillOpacity={0.15}
                ifOverflow="hidden"
                label={{ value: b.label, position: 'insideTopLeft', fontSize: 11, fill: 'var(--muted)' }}
              />
            ))}
            <XAxis
              dataKey="ts"
              type="number"
              domain={['dataMin', 'dataMax']}
              tickFormatter={clock}
              tick={{ fontSize: 11 }}
              stroke="var(--muted)"
            />
            <YAxis
              domain={props.domain ?? [0, 'auto']}
              tick={{ fontSize: 11 }}
              stroke="var(--muted)"
              width={52}
              unit={props.unit === '%' ? '%' : ''}
            />
            <Tooltip
              labelFormatter={(ts) => clock(Number(ts))}
              formatter={(v) => [`${Number(v).toFixed(1)} ${props.unit}`, props.title]}
            />
            <Line
              type="monotone"
              dataKey={props.metric}
              stroke={props.color}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
