/** The start back-off: exponential from the base, capped, per zone, reset by a success. */
import { describe, expect, test } from 'bun:test';
import type { ClusterEvent } from '../../shared/types.ts';
import { backoffDelayMs, failuresInARow, StartBackoff } from './start-backoff.ts';

describe('start back-off', () => {
  test.each([
    [0, 0],
    [1, 2_000],
    [2, 4_000],
    [3, 8_000],
    [5, 32_000],
    [6, 60_000],
    [1_000, 60_000],
  ])('failure %d waits %d ms (2 s doubling, capped at 60 s)', (n, ms) => {
    expect(backoffDelayMs(n, 2_000, 60_000)).toBe(ms);
  });

  test('each zone backs off on its own and a success resets it', () => {
    const b = new StartBackoff(1_000, 10_000);
    expect(b.remainingMs('zone1', 0)).toBe(0);
    expect(b.failed('zone1', 0)).toBe(1_000);
    expect(b.failed('zone1', 1_000)).toBe(2_000);
    expect(b.remainingMs('zone1', 2_500)).toBe(500);
    expect(b.remainingMs('zone2', 2_500)).toBe(0);
    b.succeeded('zone1');
    expect(b.remainingMs('zone1', 2_500)).toBe(0);
    expect(b.failed('zone1', 3_000)).toBe(1_000);
  });
});

describe('failuresInARow (what a new leader restores)', () => {
  const ev = (
    ts: number,
    kind: ClusterEvent['kind'],
    reason: string,
    zone = 'zone1',
    serverId: string | null = null,
  ) =>
    ({
      id: String(ts),
      ts,
      kind,
      reason,
      zone,
      message: '',
      from: null,
      to: null,
      serverId,
      term: 1,
    }) as ClusterEvent;

  test('counts the zone’s failures back to its last start that came up; activation attempts do not count as one', () => {
    const newestFirst = [
      ev(9, 'reconcile', 'ServiceFailedToStart', 'zone1', 'zone1-app-4'),
      ev(8, 'scale-up', 'ActivationTimeout'),
      ev(7, 'reconcile', 'ServiceFailedToStart', 'zone2', 'zone2-app-1'),
      ev(6, 'scale-up', 'Activating'),
      ev(5, 'reconcile', 'ServiceFailedToStart', 'zone1', 'zone1-app-3'),
      ev(4, 'scale-up', 'BelowMinReplicas', 'zone1', 'zone1-app-2'),
      ev(3, 'reconcile', 'ServiceFailedToStart', 'zone1', 'zone1-app-1'),
    ];
    expect(failuresInARow(newestFirst, 'zone1')).toEqual({ count: 2, lastTs: 9 });
    expect(failuresInARow(newestFirst, 'zone2')).toEqual({ count: 1, lastTs: 7 });
    expect(failuresInARow(newestFirst, 'zone3')).toEqual({ count: 0, lastTs: 0 });
  });
});
