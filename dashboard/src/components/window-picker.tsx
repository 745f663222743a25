/**
 * The chart window picker: 1, 5 or 15 minutes, as a group of pressed/unpressed buttons. Test ids
 * `window-1m`, `window-5m`, `window-15m`.
 */
import { CHART_WINDOWS_MS } from '../history.ts';

/** Window buttons; `value` ms. */
export function WindowPicker({ value, onChange }: { value: number; onChange: (ms: number) => void }) {
  return (
    <span className="seg" role="group" aria-label="Chart window">
      {CHART_WINDOWS_MS.map((ms) => (
        <button
          key={ms}
          type="button"
          aria-pressed={value === ms}
          data-testid={`window-${ms / 60_000}m`}
          onClick={() => onChange(ms)}
        >
          {ms / 60_000} min
        </button>
      ))}
    </span>
  );
}
