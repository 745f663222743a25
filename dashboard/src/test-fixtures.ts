/**
 * Builders of `ClusterState` values for the dashboard's unit tests: a small valid cluster that each
 * test overrides field by field.
 */
import type { ClusterEvent, ClusterState, ZoneView } from '../../server/shared/types.ts';

/** A zone with `replicas` alive servers and the given average CPU (%). */
export function zoneView(zone: string, replicas: number, avgCpu: number | null): ZoneView {
  return {
    zone,
    balancer: { id: `${zone}-balancer`, url: 'http://127.0.0.1:18001', status: 'up' },
    replicas,
    avgCpu,
    servers: [],
    strayServers: [],
  };
}

/** A scaling event of `zone` from → to at epoch ms `ts`. */
export function scaleEvent(id: string, ts: number, zone: string, from: number, to: number): ClusterEvent {
  return {
    id,
    ts,
    kind: to > from ? 'scale-up' : 'scale-down',
    zone,
    reason: to > from ? 'AboveHighThreshold' : 'BelowLowThreshold',
    message: `${zone} ${from} -> ${to}`,
    from,
    to,
    serverId: null,
    term: 1,
  };
}

/** A three-monitor cluster state at epoch ms `now` built by monitor `monitorId`. */
export function clusterState(now: number, over: Partial<ClusterState> = {}): ClusterState {
  return {
    now,
    monitorId: 1,
    leader: { id: 3, url: 'http://127.0.0.1:17003', term: 2, since: now - 60_000 },
    monitors: [
      { id: 1, url: 'http://127.0.0.1:17001', status: 'follower' },
      { id: 2, url: 'http://127.0.0.1:17002', status: 'follower' },
      { id: 3, url: 'http://127.0.0.1:17003', status: 'leader' },
    ],
    policy: {
      kind: 'threshold',
      highCpu: 70,
      lowCpu: 20,
      minReplicas: 1,
      maxReplicas: 5,
      periodMs: 10_000,
      windowMs: 30_000,
      scaleDownStabilizationMs: 30_000,
      scaleUpPeriods: 1,
    },
    zones: [zoneView('zone1', 2, 50), zoneView('zone2', 1, null)],
    events: [],
    ...over,
  };
}
