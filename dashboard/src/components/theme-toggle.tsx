/**
 * The header's light/dark switch, remembered across visits (see `theme.ts`): a real button whose
 * label names the theme it switches TO (`☾ dark` on the light page, `☀ light` on the dark one), as
 * a command does. Test id `theme-toggle`, `data-theme` = the theme shown.
 */
import { useEffect, useState } from 'react';
import { applyTheme, effectiveTheme, storedTheme, type Theme, toggled } from '../theme.ts';

function systemDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Theme toggle button. */
export function ThemeToggle() {
  const [choice, setChoice] = useState<Theme>(() => storedTheme());
  useEffect(() => applyTheme(choice), [choice]);
  const shown = effectiveTheme(choice, systemDark());
  const next = toggled(shown);
  return (
    <button
      type="button"
      className="theme-toggle"
      data-testid="theme-toggle"
      data-theme={shown}
      aria-label={`Switch to the ${next} theme`}
      title={`Switch to the ${next} theme (now ${shown})`}
      onClick={() => setChoice(next)}
    >
      {next === 'dark' ? '☾ dark' : '☀ light'}
    </button>
  );
}
