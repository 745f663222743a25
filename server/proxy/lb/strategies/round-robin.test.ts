/** Round-robin: the shared strategy suite plus exact fairness. */
import { describe, expect, test } from 'bun:test';
import { describeStrategy, testContext } from './common.case.ts';
import { createRoundRobin } from './round-robin.ts';

describeStrategy('round-robin', createRoundRobin);

describe('round-robin', () => {
  test('over k × n picks each of n servers gets exactly k', () => {
    const s = createRoundRobin();
    const servers = ['a', 'b', 'c'];
    const hits: Record<string, number> = {};
    for (let i = 0; i < 300; i++) {
      const u = s.pick(servers, testContext());
      hits[u] = (hits[u] ?? 0) + 1;
    }
    expect(hits).toEqual({ a: 100, b: 100, c: 100 });
  });

  test('consecutive picks visit the servers in order', () => {
    const s = createRoundRobin();
    const picks = Array.from({ length: 6 }, () => s.pick(['a', 'b', 'c'], testContext()));
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('when the list shrinks the counter continues without favouring anyone twice in a row', () => {
    const s = createRoundRobin();
    s.pick(['a', 'b', 'c'], testContext());
    s.pick(['a', 'b', 'c'], testContext());
    const picks = Array.from({ length: 4 }, () => s.pick(['a', 'b'], testContext()));
    expect(picks.filter((p) => p === 'a').length).toBe(2);
    expect(picks.filter((p) => p === 'b').length).toBe(2);
  });
});
