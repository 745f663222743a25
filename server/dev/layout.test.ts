/** Tests of the cluster port layout. */
import { describe, expect, test } from 'bun:test';
import { clusterLayout, PORT_WINDOWS, testBasePort } from './layout.ts';

describe('test cluster ports', () => {
  test.each(PORT_WINDOWS.map((w) => [w]))(
    '%s clusters stay outside the ephemeral range (32768–60999) and above the dev ports',
    (w) => {
      for (const r of [0, 0.5, 0.999]) {
        const l = clusterLayout(testBasePort(w, () => r));
        expect(l.basePort).toBeGreaterThanOrEqual(10_000);
        const below = l.appPorts[1] < 32_768;
        expect(below || l.basePort > 60_999).toBe(true);
      }
    },
  );

  test('two suites never share a port', () => {
    const spans = PORT_WINDOWS.map((w) => {
      const lo = testBasePort(w, () => 0);
      return [lo, clusterLayout(testBasePort(w, () => 0.999)).appPorts[1]] as const;
    });
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
  });

  test('an unknown suite is refused', () => {
    expect(() => testBasePort('nope' as never)).toThrow(RangeError);
  });
});
