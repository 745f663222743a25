/**
 * High / Low / Off buttons for one server or a whole zone, through the monitor's
 * `POST /control/scenario` with the page key. Real buttons in a labelled group, `aria-pressed` on
 * the scenario every targeted server runs; a failure is announced next to the buttons. Test ids
 * `<testPrefix>-high|low|off`.
 */
import { useState } from 'react';
import type { ScenarioMode } from '../../../server/shared/types.ts';
import { pageKey, setScenario } from '../controls-api.ts';

const MODES: { mode: ScenarioMode; label: string; short: string }[] = [
  { mode: 'high', label: 'High CPU', short: 'High' },
  { mode: 'low', label: 'Low CPU', short: 'Low' },
  { mode: 'off', label: 'Off', short: 'Off' },
];

/** The buttons; `active` is the scenario shown as pressed (null when mixed or unknown). */
export function ScenarioGroup({
  monitor,
  who,
  label,
  active,
  testPrefix,
  compact = false,
}: {
  monitor: string;
  who: { serverId: string } | { zone: string };
  /** e.g. `zone1` or `zone1-app-1`, for the accessible names. */
  label: string;
  active: ScenarioMode | null;
  testPrefix: string;
  compact?: boolean;
}) {
  const [busy, setBusy] = useState<ScenarioMode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const disabled = pageKey() === null;
  const choose = async (mode: ScenarioMode) => {
    setBusy(mode);
    setError(null);
    try {
      const r = await setScenario(monitor, who, mode);
      const failed = r.servers.filter((s) => !s.ok);
      if (failed.length > 0) setError(`${failed.map((s) => s.id).join(', ')} did not switch`);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <span
      className={`scenario-group${compact ? ' compact' : ''}`}
      role="group"
      aria-label={`Scenario for ${label}`}
    >
      {MODES.map((m) => (
        <button
          key={m.mode}
          type="button"
          className={`sbtn sbtn-${m.mode}`}
          aria-pressed={active === m.mode}
          aria-label={`${m.label} for ${label}`}
          title={disabled ? 'controls need the page served by a monitor' : `${m.label} for ${label}`}
          disabled={disabled || busy !== null}
          data-testid={`${testPrefix}-${m.mode}`}
          onClick={() => void choose(m.mode)}
        >
          {busy === m.mode ? '…' : compact ? m.short : m.label}
        </button>
      ))}
      {error && (
        <span className="control-error" role="status">
          {error}
        </span>
      )}
    </span>
  );
}
