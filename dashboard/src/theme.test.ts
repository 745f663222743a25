import { describe, expect, test } from 'bun:test';
import { effectiveTheme, storedTheme, toggled } from './theme.ts';

describe('the theme toggle', () => {
  test('a stored choice wins over the system preference, and junk means system', () => {
    expect(storedTheme({ getItem: () => 'dark' })).toBe('dark');
    expect(storedTheme({ getItem: () => 'purple' })).toBe('system');
    expect(storedTheme({ getItem: () => null })).toBe('system');
  });

  test.each([
    ['system', true, 'dark'],
    ['system', false, 'light'],
    ['light', true, 'light'],
    ['dark', false, 'dark'],
  ] as const)('choice %s with a dark system %p shows %s', (choice, dark, shown) => {
    expect(effectiveTheme(choice, dark)).toBe(shown);
  });

  test('the toggle switches to the opposite of what is shown', () => {
    expect(toggled('dark')).toBe('light');
    expect(toggled('light')).toBe('dark');
  });
});
