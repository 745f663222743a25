/**
 * Starts a whole zonescale cluster on this machine as child processes: the collector, the gateway,
 * the host agent (it samples the runtime's app servers from outside; not with simulated scenarios,
 * see `ClusterOptions.agent`) and the monitor replicas; the elected leader then creates the zone balancers and app servers through the
 * runtime. Used by `bun run dev`, the integration tests and the Playwright tests, so all three run
 * exactly the same cluster. Everything listens on 127.0.0.1; ports come from `clusterLayout`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import { openRuntime } from '../adapters/select.ts';
import { BadConfig } from '../shared/errors.ts';
import type { ClusterState } from '../shared/types.ts';
import { checkPorts, lockDataDir } from './claim.ts';
import { type ClusterLayout, clusterLayout } from './layout.ts';
import { DEV_TIMINGS, devBalancerArgs } from './timings.ts';

/** The monitor flag whose value `startCluster` merges with the dev balancer timings. */
const BALANCER_ARGS = '--balancer-args=';

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

/** The last non-empty line of a log file ('' when none). */
function lastLine(file: string): string {
  if (!existsSync(file)) return '';
  return (
    readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ''
  );
}

/**
 * Claims the data directory and the ports (`claim.ts`), then starts the collector, the gateway and
 * the monitors; resolves once they are spawned (not yet ready).
 * @throws ClusterBusy (a BadConfig) when another cluster holds the data directory or a port; nothing is started or stopped then
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const layout = clusterLayout(opts.basePort ?? 7000, opts.monitors ?? 3);
  const dataDir = resolve(opts.dataDir ?? join(REPO_ROOT, '.zonescale'));
  const cluster = opts.cluster ?? 'dev';
  const t = opts.timings ?? DEV_TIMINGS;
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
  const runtime = openRuntime({ runtime: opts.runtime ?? 'process', dataDir, cluster });
  if (opts.fresh ?? true) {
    for (const c of await runtime.list()) await runtime.stop(c.id);
    rmSync(join(dataDir, cluster), { recursive: true, force: true });
  }
  const logDir = join(dataDir, cluster, 'logs');
  mkdirSync(logDir, { recursive: true });

  const env = {
    ...process.env,
    ZONESCALE_TOKEN: opts.token,
    ZONESCALE_CLUSTER: cluster,
    ZONESCALE_DATA_DIR: dataDir,
    LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? 'info',
    RUNTIME: opts.runtime ?? 'process',
    ...opts.env,
  };
  const collectorUrl = `http://127.0.0.1:${layout.collectorPort}`;
  const spawnRole = (name: string, args: string[]) =>
    Bun.spawn(['bun', join(REPO_ROOT, 'server/main.ts'), ...args], {
      cwd: REPO_ROOT,
      env,
      stdin: 'ignore',
      stdout: Bun.file(join(logDir, `${name}.log`)),
      stderr: Bun.file(join(logDir, `${name}.err.log`)),
    });

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
  const peers = layout.monitorPorts.map((p, i) => `${i + 1}=http://127.0.0.1:${p}`).join(',');
  const monitors: MonitorProc[] = layout.monitorPorts.map((p, i) => ({
    id: i + 1,
    url: `http://127.0.0.1:${p}`,
    proc: null,
  }));
  const userBalancerArgs = (opts.monitorArgs ?? [])
    .filter((a) => a.startsWith(BALANCER_ARGS))
    .map((a) => a.slice(BALANCER_ARGS.length));
  const monitorArgs = (m: MonitorProc) => [
    'monitor',
    `--id=${m.id}`,
    `--port=${new URL(m.url).port}`,
    `--peers=${peers}`,
    `--balancer-port-base=${layout.balancerPortBase}`,
    `--app-ports=${layout.appPorts[0]}-${layout.appPorts[1]}`,
    `--collector=${collectorUrl}`,
    `--gateway=${gatewayUrl}`,
    `--probe-interval-ms=${t.probeIntervalMs}`,
    `--election-timeout-ms=${t.electionTimeoutMs}`,
    `--lease-ms=${t.leaseMs}`,
    `--period-ms=${t.periodMs}`,
    `--window-ms=${t.windowMs}`,
    `--scale-down-stabilization-ms=${t.scaleDownStabilizationMs}`,
    // A caller's `--balancer-args=…` adds to the dev balancer timings (its flags come later and win).
    `--balancer-args=${[devBalancerArgs(t), ...userBalancerArgs].join(' ')}`,
    `--app-args=--scenario-mode ${opts.scenarioMode ?? 'burn'}`,
    ...(opts.monitorArgs ?? []).filter((a) => !a.startsWith(BALANCER_ARGS)),
  ];
  const startMonitorProc = (m: MonitorProc) => {
    m.proc = spawnRole(`monitor-${m.id}`, monitorArgs(m));
  };
  /** A role that exited on its own with an error (not killed): its name and the last line of its error log. */
  const failedRole = (): BadConfig | null => {
    const roles: [string, Subprocess | null][] = [
      ['collector', collector],
      ['gateway', gateway],
      ['agent', agent],
      ...monitors.map((m): [string, Subprocess | null] => [`monitor-${m.id}`, m.proc]),
    ];
    for (const [name, p] of roles) {
      if (p?.exitCode === null || p?.exitCode === undefined || p.exitCode === 0) continue;
      const why = lastLine(join(logDir, `${name}.err.log`)) || `exit status ${p.exitCode}`;
      return new BadConfig(`the cluster's ${name} stopped at start: ${why}`);
    }
    return null;
  };
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
    async state() {
      for (const m of monitors) {
        try {
          const res = await fetch(`${m.url}/state`, { signal: AbortSignal.timeout(1_000) });
          if (res.ok) return (await res.json()) as ClusterState;
        } catch {
          // try the next replica
        }
      }
      return null;
    },
    async waitFor(what, pred, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let last: ClusterState | null = null;
      while (Date.now() < deadline) {
        const failed = failedRole();
        if (failed) throw failed;
        last = await handle.state();
        if (last && pred(last)) return last;
        await Bun.sleep(250);
      }
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}; last state: ${JSON.stringify(last)?.slice(0, 2000)}`,
      );
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const p of [...monitors.map((m) => m.proc), collector, gateway, agent]) p?.kill('SIGKILL');
      await Promise.all([
        ...monitors.map((m) => m.proc?.exited),
        collector.exited,
        gateway.exited,
        agent?.exited,
      ]);
      for (const c of await runtime.list()) await runtime.stop(c.id);
      lock.release();
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
