/**
 * Light / dark theme of the dashboard: follows the system until the operator picks one with the
 * header's toggle, which is remembered in localStorage (`zonescale.theme`) and applied as
 * `data-theme` on `<html>` (the stylesheet keys its colours on it).
 */

/** The operator's choice; `system` follows `prefers-color-scheme`. */
export type Theme = 'light' | 'dark' | 'system';

const KEY = 'zonescale.theme';

/** The stored choice (default `system`). */
export function storedTheme(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Theme {
  const v = storage?.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** The theme the page shows for a choice and the system's preference. */
export function effectiveTheme(choice: Theme, systemDark: boolean): 'light' | 'dark' {
  return choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
}

/** The next choice of the toggle: the opposite of what is shown. */
export function toggled(shown: 'light' | 'dark'): Theme {
  return shown === 'dark' ? 'light' : 'dark';
}

/** Stores and applies `choice` on `<html data-theme>`. */
export function applyTheme(choice: Theme): void {
  if (choice === 'system') {
    globalThis.localStorage?.removeItem(KEY);
    document.documentElement.removeAttribute('data-theme');
  } else {
    globalThis.localStorage?.setItem(KEY, choice);
    document.documentElement.setAttribute('data-theme', choice);
  }
}
