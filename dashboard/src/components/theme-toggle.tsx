/**
 * The header's light/dark switch (a real button, `aria-pressed` when dark), remembered across
 * visits (see `theme.ts`). Test id `theme-toggle`, `data-theme` = the theme shown.
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
  return (
    <button
      type="button"
      className="theme-toggle"
      data-testid="theme-toggle"
      data-theme={shown}
      aria-pressed={shown === 'dark'}
      aria-label={`Dark theme (now ${shown})`}
      title={`Switch to the ${shown === 'dark' ? 'light' : 'dark'} theme`}
      onClick={() => setChoice(toggled(shown))}
    >
      {shown === 'dark' ? '☾ dark' : '☀ light'}
    </button>
  );
}
