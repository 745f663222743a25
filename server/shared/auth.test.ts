import { describe, expect, spyOn, test } from 'bun:test';
import crypto from 'node:crypto';
import { bearerMatches } from './auth.ts';

const TOKEN = 'cluster-token-0123456789';

describe('bearerMatches', () => {
  test.each([
    ['Bearer with the token', `Bearer ${TOKEN}`, true],
    ['the scheme in lower case (RFC 9110 §11.1: case-insensitive)', `bearer ${TOKEN}`, true],
    ['the scheme in upper case', `BEARER ${TOKEN}`, true],
    ['the scheme in mixed case', `bEaReR ${TOKEN}`, true],
    ['several spaces before the token and a trailing one', `Bearer   ${TOKEN} `, true],
    ['a wrong token of the same length', `Bearer ${TOKEN.slice(0, -1)}x`, false],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, 8)}`, false],
    ['the token with a suffix', `Bearer ${TOKEN}x`, false],
    ['another scheme', `Basic ${TOKEN}`, false],
    ['no space after the scheme', `Bearer${TOKEN}`, false],
    ['two credentials', `Bearer ${TOKEN} ${TOKEN}`, false],
    ['the token alone', TOKEN, false],
    ['an empty header', '', false],
    ['no header', undefined, false],
  ])('%s: %p', (_case, header, ok) => {
    expect(bearerMatches(header, TOKEN)).toBe(ok);
  });

  test.each([
    ['a short wrong token', 'Bearer x'],
    ['a long wrong token', `Bearer ${'y'.repeat(500)}`],
    ['the right token', `Bearer ${TOKEN}`],
    ['a malformed header', 'Basic abc'],
  ])(
    '%s is compared in full as two 32-byte SHA-256 digests (the time does not reveal the length)',
    (_c, header) => {
      const spy = spyOn(crypto, 'timingSafeEqual');
      try {
        bearerMatches(header, TOKEN);
        expect(spy.mock.calls.map(([a, b]) => [a.byteLength, b.byteLength])).toEqual([[32, 32]]);
      } finally {
        spy.mockRestore();
      }
    },
  );
});
