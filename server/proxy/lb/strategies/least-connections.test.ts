/** Least-connections: the shared strategy suite plus load ordering and tie rotation. */
import { describe, expect, test } from 'bun:test';
import { describeStrategy, testContext } from './common.case.ts';
import { createLeastConnections } from './least-connections.ts';

describeStrategy('least-connections', createLeastConnections);

describe('least-connections', () => {
  test('the server with the fewest requests in flight is picked', () => {
    const inFlight: Record<string, number> = { a: 3, b: 1, c: 2 };
    const s = createLeastConnections();
    for (let i = 0; i < 5; i++)
      expect(s.pick(['a', 'b', 'c'], testContext({ inFlightOf: (u) => inFlight[u] ?? 0 }))).toBe('b');
  });

  test('equal in-flight counts are broken by the CPU reported in the health check', () => {
    const cpu: Record<string, number> = { a: 80, b: 75, c: 10 };
    const s = createLeastConnections();
    expect(s.pick(['a', 'b', 'c'], testContext({ cpuOf: (u) => cpu[u] }))).toBe('c');
  });

  test('equally idle servers share the traffic in rotation', () => {
    const s = createLeastConnections();
    const picks = Array.from({ length: 6 }, () => s.pick(['a', 'b', 'c'], testContext()));
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('picking while requests are held spreads them evenly', () => {
    const inFlight = new Map<string, number>();
    const s = createLeastConnections();
    const ctx = testContext({ inFlightOf: (u) => inFlight.get(u) ?? 0 });
    for (let i = 0; i < 9; i++) {
      const u = s.pick(['a', 'b', 'c'], ctx);
      inFlight.set(u, (inFlight.get(u) ?? 0) + 1);
    }
    expect(Object.fromEntries(inFlight)).toEqual({ a: 3, b: 3, c: 3 });
  });
});
