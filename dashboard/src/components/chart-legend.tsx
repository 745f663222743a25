/**
 * A compact legend for the live charts: one chip per zone with its colour and current value.
 */
import { zoneColor } from '../format.ts';

/** Legend chips; `value(zone)` gives the text shown after the zone name. */
export function ChartLegend({ zones, value }: { zones: readonly string[]; value: (zone: string) => string }) {
  return (
    <ul className="legend">
      {zones.map((z) => (
        <li key={z}>
          <span className="swatch" style={{ background: zoneColor(z) }} />
          {z} <span className="num">{value(z)}</span>
        </li>
      ))}
    </ul>
  );
}
