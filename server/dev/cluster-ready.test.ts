/** `clusterReady`: when a dev or test cluster counts as up, including zones that start at zero. */
import { describe, expect, test } from 'bun:test';
import type { ClusterState } from '../shared/types.ts';
import { clusterReady } from './cluster.ts';

const zone = (name: string, replicas: number) => ({
  zone: name,
  replicas,
  balancer: { url: 'http://127.0.0.1:8001', status: 'up' },
  servers: replicas > 0 ? [{ id: `${name}-app-1`, state: 'alive' }] : [],
});
const state = (replicas: number[], availableZones: string[]) =>
  ({
    leader: { id: 1, url: 'http://127.0.0.1:7001', term: 1 },
    zones: replicas.map((r, i) => zone(`zone${i + 1}`, r)),
    gateway: { url: 'http://127.0.0.1:7010', status: 'up', availableZones },
  }) as unknown as ClusterState;

describe('clusterReady', () => {
  test('every zone with an alive server and routed by the gateway is ready', () => {
    expect(clusterReady(state([1, 1, 1], ['zone1', 'zone2', 'zone3']), 3)).toBe(true);
  });
  test('a zone without an alive server is not ready unless zones at zero are allowed', () => {
    const s = state([0, 0, 0], []);
    expect(clusterReady(s, 3)).toBe(false);
    // `--min-replicas 0`: zones start at zero and the gateway skips them until they wake.
    expect(clusterReady(s, 3, { atZero: true })).toBe(true);
    expect(clusterReady(state([1, 0, 0], ['zone1']), 3, { atZero: true })).toBe(true);
    expect(clusterReady(state([1, 0, 0], []), 3, { atZero: true })).toBe(false);
  });
});
