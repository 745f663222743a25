import { describe, expect, test } from 'bun:test';
import { noun } from './format.ts';

describe('noun', () => {
  test.each([
    [0, 'replica', 'replicas'],
    [1, 'replica', 'replica'],
    [2, 'replica', 'replicas'],
    [1, 'request', 'request'],
    [12, 'request', 'requests'],
  ])('%d %s reads %s', (n, word, want) => {
    expect(noun(n, word)).toBe(want);
  });
});
