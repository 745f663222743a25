/**
 * Placement rules as pure functions: a zone's balancer port and id, the next app id, free ports
 * lowest first, the newest app server for scale-in, and flag strings split into arguments.
 */
import { describe, expect, test } from 'bun:test';
import type { ContainerRecord } from '../../shared/types.ts';
import { balancerPort, freePorts, newestApp, nextAppId, splitArgs } from './placement.ts';

const app = (id: string, createdAt: number): ContainerRecord => ({
  id,
  role: 'app',
  zone: 'zone1',
  url: 'http://127.0.0.1:1',
  port: 1,
  runtimeId: 'x',
  createdAt,
});

describe('placement', () => {
  test.each([
    ['zone1', 8001],
    ['zone2', 8002],
    ['zone3', 8003],
    ['zone12', 8012],
  ])('the balancer of %s listens on %d with base 8001', (zone, port) => {
    expect(balancerPort(zone, 8001)).toBe(port);
  });

  test('a zone without a trailing number has no balancer port', () => {
    expect(() => balancerPort('east', 8001)).toThrow(RangeError);
  });

  test.each([
    { ids: [], next: 'zone1-app-1' },
    { ids: ['zone1-app-1', 'zone1-app-2'], next: 'zone1-app-3' },
    { ids: ['zone1-app-3', 'zone2-app-9', 'zone1-balancer'], next: 'zone1-app-4' },
  ])('the next app id after $ids is $next', ({ ids, next }) => {
    expect(nextAppId('zone1', ids)).toBe(next);
  });

  test('free ports skip the taken ones, lowest first', () => {
    expect(freePorts([9101, 9105], new Set([9101, 9103]))).toEqual([9102, 9104, 9105]);
  });

  test('scale-in picks the newest app server, ties broken by the higher id', () => {
    expect(newestApp([app('zone1-app-1', 1), app('zone1-app-3', 3), app('zone1-app-2', 2)])?.id).toBe(
      'zone1-app-3',
    );
    expect(newestApp([app('zone1-app-9', 5), app('zone1-app-10', 5)])?.id).toBe('zone1-app-10');
    expect(newestApp([])).toBeNull();
  });

  test('flag strings split on any whitespace', () => {
    expect(splitArgs('  --a 1   --b 2 ')).toEqual(['--a', '1', '--b', '2']);
    expect(splitArgs('')).toEqual([]);
  });
});
