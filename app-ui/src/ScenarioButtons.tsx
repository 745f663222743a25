/**
 * The scenario controls of the source design — High CPU and Low CPU — plus Off. Real `<button>`s
 * in a labelled group; `aria-pressed` marks the active scenario; errors are announced politely.
 */
import { useState } from 'react';
import { postScenario } from './api.ts';
import type { PageConfig, ScenarioMode } from './types.ts';

const BUTTONS: { mode: ScenarioMode; label: string; hint: string }[] = [
  { mode: 'high', label: 'High CPU', hint: 'rises to 70–75 % and stays there' },
  { mode: 'low', label: 'Low CPU', hint: 'starts at 50 %, falls to 1–10 % and stays there' },
  { mode: 'off', label: 'Off', hint: 'real load only' },
];

/** Scenario buttons; `onSwitched` runs after the server accepted a switch. */
export function ScenarioButtons(props: {
  active: ScenarioMode | null;
  /** The page's bootstrap data: key, pin and the server id the answer must name. */
  cfg: PageConfig;
  onSwitched: (m: ScenarioMode) => void;
}) {
  const [busy, setBusy] = useState<ScenarioMode | null>(null);
  const [error, setError] = useState<string | null>(null);

  const choose = async (mode: ScenarioMode) => {
    setBusy(mode);
    setError(null);
    try {
      await postScenario(mode, props.cfg);
      props.onSwitched(mode);
    } catch (err) {
      setError(`Could not switch to ${mode}: ${(err as Error).message}`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section aria-labelledby="scenario-heading" className="card">
      <h2 id="scenario-heading">Scenario</h2>
      <div role="group" aria-label="CPU scenario" className="buttons">
        {BUTTONS.map((b) => (
          <button
            key={b.mode}
            type="button"
            className={`scenario scenario-${b.mode}`}
            aria-pressed={props.active === b.mode}
            aria-describedby={`hint-${b.mode}`}
            disabled={busy !== null}
            onClick={() => void choose(b.mode)}
          >
            {busy === b.mode ? `${b.label}…` : b.label}
            <span id={`hint-${b.mode}`} className="hint">
              {b.hint}
            </span>
          </button>
        ))}
      </div>
      <p role="status" aria-live="polite" className="error">
        {error}
      </p>
    </section>
  );
}
