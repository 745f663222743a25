/**
 * The one `Fenced` base of a stale term and a lapsed lease, and `rethrowFenced`, which every leader
 * duty uses to pass a fenced write on and handle any other failure itself.
 */
import { describe, expect, test } from 'bun:test';
import { Fenced, NotLeader, rethrowFenced, StaleTerm, ZonescaleError } from '../../shared/errors.ts';
import { LeaseLapsed } from './write-guard.ts';

describe('fenced errors', () => {
  test('a stale term and a lapsed lease are both Fenced, and keep their own code and status', () => {
    const stale = new StaleTerm(3, 4);
    const lapsed = new LeaseLapsed('registry put zone1-app-1');
    for (const e of [stale, lapsed]) {
      expect(e).toBeInstanceOf(Fenced);
      expect(e).toBeInstanceOf(ZonescaleError);
    }
    expect([stale.code, stale.status, stale.name]).toEqual(['stale_term', 409, 'StaleTerm']);
    expect([lapsed.code, lapsed.status, lapsed.name]).toEqual(['lease_lapsed', 503, 'LeaseLapsed']);
  });

  test('rethrowFenced rethrows a Fenced error and returns on any other', () => {
    const stale = new StaleTerm(1, 2);
    const lapsed = new LeaseLapsed('stop zone1-app-1');
    expect(() => rethrowFenced(stale)).toThrow(stale);
    expect(() => rethrowFenced(lapsed)).toThrow(lapsed);
    for (const other of [new Error('connection refused'), new NotLeader(null), 'text', undefined]) {
      expect(rethrowFenced(other)).toBeUndefined();
    }
  });
});
