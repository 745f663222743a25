/**
 * A monitor's HTTP API over fakes for the route suites: `createMonitorApi` with an election whose
 * status a test sets, recorded election, coordinator and report calls, the memory registry, a state
 * hub over a fixed cluster state, the dashboard directory a test names, and the page key.
 */
import { MemoryRegistry } from '../../server/adapters/registry-memory.ts';
import { StateHub } from '../../server/monitor/api/events-stream.ts';
import { LoadController } from '../../server/monitor/api/load-controller.ts';
import { dashboardKey } from '../../server/monitor/api/page-key.ts';
import { createMonitorApi } from '../../server/monitor/api/routes.ts';
import type { ElectionStatus } from '../../server/monitor/election/elector.ts';
import type { KnownLeader } from '../../server/monitor/election/state.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import { originPolicy } from '../../server/shared/origin-guard.ts';
import type { ClusterState } from '../../server/shared/types.ts';
import { DEFAULT_UPSTREAM_ALLOW, UpstreamAllowList } from '../../server/shared/upstream-allow.ts';
import { thresholdPolicy } from './policies.ts';

/** The cluster token, its auth headers, a URL on the app and the dashboard page key. */
export const TOKEN = 't'.repeat(32);
export const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
export const url = (p: string) => `http://localhost${p}`;
export const KEY = dashboardKey(TOKEN);

/** A monitor API as replica 2 (`role` leader by default; a follower names 3 as leader). */
export function setup(opts: { role?: ElectionStatus['role']; dashboardDir?: string | null } = {}) {
  const status: ElectionStatus = {
    role: opts.role ?? 'leader',
    term: 4,
    leader:
      opts.role === 'follower'
        ? { id: 3, url: 'http://127.0.0.1:17003', term: 4 }
        : { id: 2, url: 'http://127.0.0.1:17002', term: 4 },
  };
  const calls = {
    elections: [] as number[],
    coordinators: [] as KnownLeader[],
    reports: [] as { zone: string; urls: string[]; term: number }[],
  };
  const registry = new MemoryRegistry();
  const state: ClusterState = {
    now: Date.now(),
    monitorId: 2,
    leader: null,
    monitors: [],
    policy: thresholdPolicy(),
    zones: [],
    events: [],
  };
  const hub = new StateHub(async () => ({ ...state, now: Date.now() }), silentLogger);
  const app = createMonitorApi({
    id: 2,
    token: TOKEN,
    upstreamAllow: new UpstreamAllowList(DEFAULT_UPSTREAM_ALLOW),
    zones: ['zone1', 'zone2', 'zone3'],
    log: silentLogger,
    election: {
      status: () => status,
      receiveElection: (from) => void calls.elections.push(from),
      receiveCoordinator: (l) => {
        if (l.term < status.term) return { accepted: false, current: status.term };
        calls.coordinators.push(l);
        return { accepted: true, current: l.term };
      },
    },
    report: async (zone, urls, term) => {
      calls.reports.push({ zone, urls, term });
      return { removed: urls.length > 0 ? ['zone1-app-1'] : [] };
    },
    registry,
    hub,
    history: async () => ({ zone1: [{ t: 0, cpu: 12 }] }),
    dashboardDir: opts.dashboardDir ?? null,
    origins: originPolicy(['http://127.0.0.1:17001', 'http://127.0.0.1:17002']),
    control: {
      token: TOKEN,
      pageKey: KEY,
      registry,
      load: new LoadController(async () => state, silentLogger),
      log: silentLogger,
    },
  });
  return { app, calls, status, registry, hub };
}
