/**
 * Starts a whole zonescale cluster on this machine as child processes: the collector, the gateway,
 * the host agent (it samples the runtime's app servers from outside; not with simulated scenarios,
 * see `ClusterOptions.agent`) and the monitor replicas; the elected leader then creates the zone balancers and app servers through the
 * runtime. Used by `bun run dev`, the integration tests and the Playwright tests, so all three run
 * exactly the same cluster. Everything listens on 127.0.0.1; ports come from `clusterLayout`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import type { ContainerRuntime } from '../adapters/runtime.ts';
import { openRuntime } from '../adapters/select.ts';
import type { ClusterState } from '../shared/types.ts';
import { type ClusterLock, checkPorts, lockDataDir } from './claim.ts';
import {
  failedRole,
  monitorArgsOf,
  monitorState,
  pollState,
  type RoleProcs,
  roleEnv,
  roleSpawner,
  type SpawnRole,
  stopRoles,
} from './cluster-roles.ts';
import { type ClusterLayout, clusterLayout } from './layout.ts';
import { DEV_TIMINGS } from './timings.ts';

/** Repository root (this file is server/dev/cluster.ts). */
export const REPO_ROOT = resolve(import.meta.dir, '../..');

/** Options of `startCluster`; every field has a default suited to `bun run dev`. */
export interface ClusterOptions {
  basePort?: number;
  /** Directory for SQLite files, runtime records and logs (default `<repo>/.zonescale`). */
  dataDir?: string;
  cluster?: string;
  token: string;
  monitors?: number;
  /** `burn` really burns CPU for the scenarios; `simulate` reports the curve only. */
  scenarioMode?: 'burn' | 'simulate';
  /**
   * Start the host agent (default: only with `burn`). With `simulate` the apps report a scenario
   * curve they do not burn, and the agent's real, outside measurement (~0 %) would replace it,
   * because a server's agent CPU wins over its app's in the metrics store (contracts.md §1).
   */
  agent?: boolean;
  timings?: typeof DEV_TIMINGS;
  /** Extra monitor flags, e.g. `['--high-cpu=50']`; a `--balancer-args=…` is appended to the dev balancer timings rather than replacing them. */
  monitorArgs?: string[];
  /** Remove state left by an earlier run of the same cluster id first (default true). */
  fresh?: boolean;
  logLevel?: string;
  /** Container runtime of the monitors (default `process`; `docker` for `bun run dev:stack`; `swarm` on a swarm manager). */
  runtime?: 'process' | 'docker' | 'swarm';
  /** Extra environment for every role, e.g. REDIS_URL, KAFKA_BROKERS, INFLUX_URL for the real services. */
  env?: Record<string, string>;
}

/** A monitor child process. */
export interface MonitorProc {
  id: number;
  url: string;
  proc: Subprocess | null;
}

/** A running cluster. */
export interface Cluster {
  token: string;
  layout: ClusterLayout;
  dataDir: string;
  cluster: string;
  collectorUrl: string;
  /** The gateway (front door) the cluster started; the leader pushes it the zones. */
  gatewayUrl: string;
  /** The gateway's process (to kill it in tests). */
  gateway: Subprocess;
  /** The host agent (`GET /health_check`), sampling every app server of the runtime from outside; null when not started. */
  agentUrl: string | null;
  monitors: MonitorProc[];
  /** Starts monitor `id` again (after it was killed). */
  restartMonitor(id: number): void;
  /** GET /state from the first monitor that answers; null when none does. */
  state(): Promise<ClusterState | null>;
  /** Polls `state()` every 250 ms until `pred` holds. @throws BadConfig when a role exited on its own with an error; Error after `timeoutMs` with `what` */
  waitFor(what: string, pred: (s: ClusterState) => boolean, timeoutMs: number): Promise<ClusterState>;
  /** Kills monitors, collector, gateway and agent, then stops every container the runtime holds, then releases the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Locks `dataDir` for this process (`lockDataDir`: the lock names the pid, `cluster`, the base port,
 * the start time in epoch ms and this command line, paths relative to the repository), then checks
 * every port of `layout` (`checkPorts`), releasing the lock again when one is taken.
 * @throws ClusterBusy (a BadConfig) when another cluster holds the data directory or a port; the
 * lock is not held then
 */
async function claimCluster(layout: ClusterLayout, dataDir: string, cluster: string): Promise<ClusterLock> {
  const lock = lockDataDir({
    pid: process.pid,
    cluster,
    basePort: layout.basePort,
    dataDir,
    startedAt: Date.now(),
    command: [
      'bun',
      ...process.argv.slice(1).map((a) => (a.startsWith('/') ? relative(REPO_ROOT, a) : a)),
    ].join(' '),
  });
  try {
    await checkPorts(layout);
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}

/**
 * With `fresh`, stops every container `runtime` holds (one after another) and removes
 * `<dataDir>/<cluster>`; then creates `<dataDir>/<cluster>/logs` and returns that path.
 * @throws whatever the runtime or the file system throws (`startCluster` releases its lock then)
 */
async function prepareDataDir(
  runtime: ContainerRuntime,
  dataDir: string,
  cluster: string,
  fresh: boolean,
): Promise<string> {
  if (fresh) {
    for (const c of await runtime.list()) await runtime.stop(c.id);
    rmSync(join(dataDir, cluster), { recursive: true, force: true });
  }
  const logDir = join(dataDir, cluster, 'logs');
  mkdirSync(logDir, { recursive: true });
  return logDir;
}

/**
 * Claims the data directory and the ports (`claimCluster`), clears an earlier run's state unless
 * `fresh` is false, then starts the collector, the gateway, the agent (when wanted) and the monitors
 * by id (`cluster-roles.ts`); resolves once they are spawned (not yet ready). A start that fails
 * after the claim kills what it spawned and releases the lock before it throws.
 * @throws ClusterBusy (a BadConfig) when another cluster holds the data directory or a port (nothing is
 * started or stopped then); whatever the runtime, the file system or spawning throws after the claim
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const layout = clusterLayout(opts.basePort ?? 7000, opts.monitors ?? 3);
  const dataDir = resolve(opts.dataDir ?? join(REPO_ROOT, '.zonescale'));
  const cluster = opts.cluster ?? 'dev';
  const lock = await claimCluster(layout, dataDir, cluster);
  // The processes spawned while starting (a later restart of a monitor is the handle's, not kept here).
  const spawned: Subprocess[] = [];
  let starting = true;
  try {
    const runtime = openRuntime({ runtime: opts.runtime ?? 'process', dataDir, cluster });
    const logDir = await prepareDataDir(runtime, dataDir, cluster, opts.fresh ?? true);
    const spawnOne = roleSpawner(REPO_ROOT, roleEnv(opts, cluster, dataDir), logDir);
    const spawnRole: SpawnRole = (name, args) => {
      const proc = spawnOne(name, args);
      if (starting) spawned.push(proc);
      return proc;
    };
    const handle = spawnRoles(opts, { layout, dataDir, cluster, logDir }, runtime, lock, spawnRole);
    starting = false;
    spawned.length = 0;
    return handle;
  } catch (err) {
    // A start that fails partway leaves nothing behind: what it spawned is killed, the lock released.
    for (const p of spawned) p.kill('SIGKILL');
    await Promise.all(spawned.map((p) => p.exited));
    lock.release();
    throw err;
  }
}

/** Where a starting cluster lives: its ports, its data directory (absolute), its name, its logs. */
interface ClusterPlace {
  layout: ClusterLayout;
  dataDir: string;
  cluster: string;
  logDir: string;
}

/**
 * Spawns the collector, the gateway, the agent (when wanted) and the monitors by id with
 * `spawnRole`, and returns the cluster's handle over them (its `stop()` kills them, stops
 * `runtime`'s containers and releases `lock`).
 * @throws whatever spawning throws (`startCluster` cleans up then)
 */
function spawnRoles(
  opts: ClusterOptions,
  { layout, dataDir, cluster, logDir }: ClusterPlace,
  runtime: ContainerRuntime,
  lock: ClusterLock,
  spawnRole: SpawnRole,
): Cluster {
  const t = opts.timings ?? DEV_TIMINGS;

  const collectorUrl = `http://127.0.0.1:${layout.collectorPort}`;
  const collector = spawnRole('collector', ['collector', `--port=${layout.collectorPort}`]);
  const gatewayUrl = `http://127.0.0.1:${layout.gatewayPort}`;
  const gateway = spawnRole('gateway', [
    'gateway',
    `--port=${layout.gatewayPort}`,
    `--check-interval-ms=${t.checkIntervalMs}`,
    `--recheck-interval-ms=${t.checkIntervalMs}`,
  ]);
  const withAgent = opts.agent ?? (opts.scenarioMode ?? 'burn') === 'burn';
  const agentUrl = withAgent ? `http://127.0.0.1:${layout.agentPort}` : null;
  const agent = withAgent
    ? spawnRole('agent', ['agent', `--port=${layout.agentPort}`, `--collector=${collectorUrl}`])
    : null;
  const monitors: MonitorProc[] = layout.monitorPorts.map((p, i) => ({
    id: i + 1,
    url: `http://127.0.0.1:${p}`,
    proc: null,
  }));
  const monitorArgs = monitorArgsOf(opts, layout, t, { collectorUrl, gatewayUrl });
  const startMonitorProc = (m: MonitorProc) => {
    m.proc = spawnRole(`monitor-${m.id}`, monitorArgs(m));
  };
  const procs: RoleProcs = { collector, gateway, agent, monitors };
  for (const m of monitors) startMonitorProc(m);

  let stopped = false;
  const handle: Cluster = {
    token: opts.token,
    layout,
    dataDir,
    cluster,
    collectorUrl,
    gatewayUrl,
    gateway,
    agentUrl,
    monitors,
    restartMonitor(id) {
      const m = monitors.find((x) => x.id === id);
      if (!m) throw new RangeError(`no monitor ${id}`);
      startMonitorProc(m);
    },
    state: () => monitorState(monitors),
    waitFor: (what, pred, timeoutMs) =>
      pollState(
        what,
        pred,
        timeoutMs,
        () => handle.state(),
        () => failedRole(procs, logDir),
      ),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopRoles(procs, runtime, lock);
    },
  };
  return handle;
}

/**
 * True when a leader exists, every zone has an answering balancer with at least one alive server, and
 * the gateway (when the state lists one) routes to every zone. With `atZero` (a cluster started with
 * `--min-replicas 0`, whose zones start at zero) a zone with no replicas also counts, and the gateway
 * need only route to the zones that have servers (it skips an idle zone at zero).
 */
export function clusterReady(s: ClusterState, zones: number, opts: { atZero?: boolean } = {}): boolean {
  const atZero = (z: ClusterState['zones'][number]) => opts.atZero === true && z.replicas === 0;
  const zeros = s.zones.filter(atZero).length;
  return (
    s.leader !== null &&
    s.zones.length >= zones &&
    s.zones.every(
      (z) => z.balancer?.status === 'up' && (atZero(z) || z.servers.some((srv) => srv.state === 'alive')),
    ) &&
    (!s.gateway || (s.gateway.status === 'up' && (s.gateway.availableZones?.length ?? 0) >= zones - zeros))
  );
}
