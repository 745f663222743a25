/** Power of two choices: the shared strategy suite plus which of the two draws wins. */
import { describe, expect, test } from 'bun:test';
import { describeStrategy, seededRand, testContext } from './common.case.ts';
import { createPowerOfTwo } from './power-of-two.ts';

describeStrategy('p2c', createPowerOfTwo);

/** A random source replaying `values`. */
const replay = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

describe('power of two choices', () => {
  test.each([
    { draws: [0, 0], expectDrawn: ['a', 'b'] },
    { draws: [0.99, 0.99], expectDrawn: ['d', 'c'] },
    { draws: [0.5, 0.1], expectDrawn: ['c', 'a'] },
  ])('the random draws $draws pick two distinct servers $expectDrawn', ({ draws, expectDrawn }) => {
    const s = createPowerOfTwo();
    // Make the second drawn server the less loaded one, so the pick reveals it.
    const second = expectDrawn[1] as string;
    const picked = s.pick(
      ['a', 'b', 'c', 'd'],
      testContext({ rand: replay([...draws]), inFlightOf: (u) => (u === second ? 0 : 5) }),
    );
    expect(picked).toBe(second);
  });

  test('the less loaded of the two draws wins; ties go to the first draw', () => {
    const s = createPowerOfTwo();
    const ctx = (inFlight: Record<string, number>) =>
      testContext({ rand: replay([0, 0]), inFlightOf: (u) => inFlight[u] ?? 0 });
    expect(s.pick(['a', 'b', 'c'], ctx({ a: 4, b: 1 }))).toBe('b');
    expect(s.pick(['a', 'b', 'c'], ctx({ a: 1, b: 4 }))).toBe('a');
    expect(s.pick(['a', 'b', 'c'], ctx({}))).toBe('a');
  });

  test('a heavily loaded server is almost never picked', () => {
    const s = createPowerOfTwo();
    const ctx = testContext({ rand: seededRand(7), inFlightOf: (u) => (u === 'hot' ? 100 : 0) });
    let hot = 0;
    for (let i = 0; i < 1_000; i++) if (s.pick(['hot', 'b', 'c', 'd'], ctx) === 'hot') hot++;
    expect(hot).toBe(0);
  });
});
