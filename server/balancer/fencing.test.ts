/** Fencing: which leader writes the balancer accepts. */
import { describe, expect, test } from 'bun:test';
import { StaleTerm } from '../shared/errors.ts';
import { acceptMonitor, checkTerm } from './fencing.ts';

const cur = { address: 'http://127.0.0.1:7001', term: 5 };

describe('acceptMonitor', () => {
  test('a newer term is accepted and replaces the leader', () => {
    expect(acceptMonitor(cur, { address: 'http://127.0.0.1:7002', term: 6 })).toEqual({
      next: { address: 'http://127.0.0.1:7002', term: 6 },
      changed: true,
    });
  });
  test('the same term and address is a no-op', () => {
    expect(acceptMonitor(cur, { ...cur })).toEqual({ next: cur, changed: false });
  });
  test('the same term with another address is accepted', () => {
    expect(acceptMonitor(cur, { address: 'http://127.0.0.1:7003', term: 5 }).changed).toBe(true);
  });
  test('an older term is refused with StaleTerm', () => {
    expect(() => acceptMonitor(cur, { address: 'http://127.0.0.1:7009', term: 4 })).toThrow(StaleTerm);
  });
});

describe('checkTerm', () => {
  test('no term leaves the state as it is', () => expect(checkTerm(cur, undefined)).toBe(cur));
  test('the current term is accepted', () => expect(checkTerm(cur, 5)).toBe(cur));
  test('a newer term is adopted, keeping the address', () =>
    expect(checkTerm(cur, 9)).toEqual({ address: cur.address, term: 9 }));
  test('an older term is refused', () => expect(() => checkTerm(cur, 2)).toThrow(StaleTerm));
});
