/**
 * Tests of the dashboard's client-side series: history merging across reconnects, per-tick
 * appends, trimming, and replicas rebuilt from scaling events.
 */
import { describe, expect, test } from 'bun:test';
import { appendCpuTick, appendReplicaTick, KEEP_MS, mergeHistory, replicaRowsFromEvents } from './history.ts';
import { clusterState, scaleEvent, zoneView } from './test-fixtures.ts';

describe('mergeHistory', () => {
  test('a new monitor history is merged into the old one, oldest first, one point per time', () => {
    const current = {
      zone1: [
        { t: 1000, cpu: 10 },
        { t: 3000, cpu: 30 },
      ],
    };
    const incoming = {
      zone1: [
        { t: 2000, cpu: 20 },
        { t: 3000, cpu: 33 },
      ],
      zone3: [{ t: 1500, cpu: 5 }],
    };
    const merged = mergeHistory(current, incoming, 0);
    expect(merged.zone1).toEqual([
      { t: 1000, cpu: 10 },
      { t: 2000, cpu: 20 },
      { t: 3000, cpu: 33 },
    ]);
    expect(merged.zone3).toEqual([{ t: 1500, cpu: 5 }]);
  });

  test('points older than the cut-off are dropped', () => {
    const merged = mergeHistory({ zone1: [{ t: 1000, cpu: 10 }] }, { zone1: [{ t: 5000, cpu: 50 }] }, 2000);
    expect(merged.zone1).toEqual([{ t: 5000, cpu: 50 }]);
  });
});

describe('appendCpuTick', () => {
  test('a state tick appends one point per zone with an average and skips null averages', () => {
    const series = appendCpuTick({}, clusterState(10_000));
    expect(series.zone1).toEqual([{ t: 10_000, cpu: 50 }]);
    expect(series.zone2).toEqual([]);
  });

  test('a tick not newer than the last point is ignored (two monitors, same second)', () => {
    const once = appendCpuTick({}, clusterState(10_000));
    const twice = appendCpuTick(once, clusterState(10_000, { zones: [zoneView('zone1', 2, 99)] }));
    expect(twice.zone1).toEqual([{ t: 10_000, cpu: 50 }]);
  });

  test('points older than the kept history are trimmed', () => {
    const old = { zone1: [{ t: 0, cpu: 1 }] };
    const series = appendCpuTick(old, clusterState(KEEP_MS + 5000));
    expect(series.zone1).toEqual([{ t: KEEP_MS + 5000, cpu: 50 }]);
  });
});

describe('appendReplicaTick', () => {
  test('each newer tick adds a row of replicas per zone', () => {
    const rows = appendReplicaTick(appendReplicaTick([], clusterState(1000)), clusterState(2000));
    expect(rows).toEqual([
      { t: 1000, counts: { zone1: 2, zone2: 1 } },
      { t: 2000, counts: { zone1: 2, zone2: 1 } },
    ]);
  });

  test('a tick older than the last row adds nothing', () => {
    const rows = appendReplicaTick([{ t: 5000, counts: { zone1: 3 } }], clusterState(4000));
    expect(rows).toHaveLength(1);
  });
});

describe('replicaRowsFromEvents', () => {
  test('scaling events are undone newest first to rebuild earlier replica counts', () => {
    const state = clusterState(100_000, {
      zones: [zoneView('zone1', 3, 80), zoneView('zone2', 1, 10)],
      events: [
        scaleEvent('b', 90_000, 'zone1', 2, 3),
        scaleEvent('a', 60_000, 'zone1', 1, 2),
        scaleEvent('z', 5_000, 'zone2', 2, 1),
      ],
    });
    expect(replicaRowsFromEvents(state, 30_000, 100_000)).toEqual([
      { t: 30_000, counts: { zone1: 1, zone2: 1 } },
      { t: 60_000, counts: { zone1: 2, zone2: 1 } },
      { t: 90_000, counts: { zone1: 3, zone2: 1 } },
    ]);
  });

  test('no point is drawn for a zone before its first server was created (the cluster did not exist)', () => {
    const state = clusterState(100_000, {
      zones: [zoneView('zone1', 2, 80), zoneView('zone2', 1, 10)],
      events: [
        scaleEvent('c', 70_000, 'zone1', 1, 2),
        scaleEvent('b', 50_000, 'zone2', 0, 1),
        scaleEvent('a', 40_000, 'zone1', 0, 1),
      ],
    });
    expect(replicaRowsFromEvents(state, 0, 100_000)).toEqual([
      { t: 0, counts: {} },
      { t: 40_000, counts: { zone1: 1 } },
      { t: 50_000, counts: { zone1: 1, zone2: 1 } },
      { t: 70_000, counts: { zone1: 2, zone2: 1 } },
    ]);
  });

  test('events at or after the first collected row are undone but not drawn twice', () => {
    const state = clusterState(100_000, {
      zones: [zoneView('zone1', 3, 80)],
      events: [scaleEvent('b', 90_000, 'zone1', 2, 3), scaleEvent('a', 10_000, 'zone1', 1, 2)],
    });
    expect(replicaRowsFromEvents(state, 30_000, 80_000)).toEqual([{ t: 30_000, counts: { zone1: 2 } }]);
  });

  test('events that do not reach back to the window start: nothing is drawn before the oldest one', () => {
    // The state holds only the newest events; zone1's creation (0 -> 1) fell out of the list, so
    // nothing says zone1 existed before 60 s (CI: its line was drawn from the window start,
    // minutes before the cluster was born).
    const state = clusterState(100_000, {
      zones: [zoneView('zone1', 1, 5), zoneView('zone2', 2, 70)],
      events: [scaleEvent('c', 80_000, 'zone2', 1, 2), scaleEvent('b', 60_000, 'zone1', 1, 1)],
    });
    expect(replicaRowsFromEvents(state, 0, 100_000)).toEqual([
      { t: 60_000, counts: { zone1: 1, zone2: 1 } },
      { t: 80_000, counts: { zone1: 1, zone2: 2 } },
    ]);
  });

  test('the oldest event is not a scaling one: the rows start at it, with the counts rebuilt to then', () => {
    const state = clusterState(100_000, {
      zones: [zoneView('zone1', 2, 5)],
      events: [
        scaleEvent('b', 70_000, 'zone1', 1, 2),
        { ...scaleEvent('a', 50_000, 'zone1', 0, 0), kind: 'reconcile', zone: null, from: null, to: null },
      ],
    });
    expect(replicaRowsFromEvents(state, 0, 100_000)).toEqual([
      { t: 50_000, counts: { zone1: 1 } },
      { t: 70_000, counts: { zone1: 2 } },
    ]);
  });

  test('no events at all: the current counts from the window start', () => {
    const state = clusterState(100_000, { zones: [zoneView('zone1', 2, 5)], events: [] });
    expect(replicaRowsFromEvents(state, 30_000, 100_000)).toEqual([{ t: 30_000, counts: { zone1: 2 } }]);
  });
});
