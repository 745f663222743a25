/** Consistent hashing: the shared strategy suite plus affinity and minimal movement. */
import { describe, expect, test } from 'bun:test';
import { describeStrategy, testContext } from './common.case.ts';
import { createConsistentHash } from './consistent-hash.ts';
import { HashRing } from './hash-ring.ts';

describeStrategy('consistent-hash', () => createConsistentHash());

const servers = ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3', 'http://127.0.0.1:4'];
const keys = Array.from({ length: 4_000 }, (_, i) => `client-${i}`);

describe('consistent-hash', () => {
  test('the same key always reaches the same server', () => {
    const s = createConsistentHash();
    for (const key of keys.slice(0, 50)) {
      const first = s.pick(servers, testContext({ key }));
      for (let i = 0; i < 3; i++) expect(s.pick(servers, testContext({ key }))).toBe(first);
    }
  });

  test('picks agree with a HashRing over the same servers', () => {
    const s = createConsistentHash();
    const ring = new HashRing(servers);
    for (const key of keys.slice(0, 200))
      expect(s.pick(servers, testContext({ key }))).toBe(ring.lookup(key) as string);
  });

  test('when a server leaves, only its keys move (about 1/N) and the others stay', () => {
    const s = createConsistentHash();
    const before = keys.map((key) => s.pick(servers, testContext({ key })));
    const fewer = servers.slice(0, 3);
    const after = keys.map((key) => s.pick(fewer, testContext({ key })));
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    for (const [i] of keys.entries())
      if (before[i] !== servers[3]) expect(after[i]).toBe(before[i] as string);
    expect(moved.length / keys.length).toBeGreaterThan(0.6 / 4);
    expect(moved.length / keys.length).toBeLessThan(1.4 / 4);
  });

  test('when a server joins, about 1/N of the keys move, all to the new server', () => {
    const s = createConsistentHash();
    const fewer = servers.slice(0, 3);
    const before = keys.map((key) => s.pick(fewer, testContext({ key })));
    const after = keys.map((key) => s.pick(servers, testContext({ key })));
    const moved = keys.filter((_, i) => before[i] !== after[i]);
    for (const [i] of keys.entries()) if (before[i] !== after[i]) expect(after[i]).toBe(servers[3] as string);
    expect(moved.length / keys.length).toBeGreaterThan(0.6 / 4);
    expect(moved.length / keys.length).toBeLessThan(1.4 / 4);
  });

  test('a retry excluding the tried server lands where a ring without it would', () => {
    const s = createConsistentHash();
    for (const key of keys.slice(0, 100)) {
      const first = s.pick(servers, testContext({ key }));
      const rest = servers.filter((u) => u !== first);
      expect(s.pick(rest, testContext({ key }))).toBe(new HashRing(rest).lookup(key) as string);
    }
  });

  test('a request without a key goes to a random candidate', () => {
    const s = createConsistentHash();
    expect(s.pick(servers, testContext({ rand: () => 0.99 }))).toBe(servers[3] as string);
    expect(s.pick(servers, testContext({ rand: () => 0 }))).toBe(servers[0] as string);
  });
});
