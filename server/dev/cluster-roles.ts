/**
 * The role processes of a cluster that `startCluster` (`cluster.ts`) starts, and the handle's work on
 * them: each role's environment and command line (`bun server/main.ts <role> …`, logs under the
 * cluster's log directory), the monitors' flags, which role stopped on its own at start, the state
 * read from the first monitor that answers, and the stop of the whole set. `startCluster` calls
 * these in its order; nothing here starts or stops anything on its own.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import type { ContainerRuntime } from '../adapters/runtime.ts';
import { BadConfig } from '../shared/errors.ts';
import type { ClusterState } from '../shared/types.ts';
import type { ClusterLock } from './claim.ts';
import type { ClusterOptions, MonitorProc } from './cluster.ts';
import type { ClusterLayout } from './layout.ts';
import { type DEV_TIMINGS, devBalancerArgs } from './timings.ts';

/** The monitor flag whose value `monitorArgsOf` merges with the dev balancer timings. */
const BALANCER_ARGS = '--balancer-args=';

/** The role processes of one cluster; `agent` is null when not started, a monitor's `proc` until it is. */
export interface RoleProcs {
  collector: Subprocess;
  gateway: Subprocess;
  agent: Subprocess | null;
  monitors: MonitorProc[];
}

/** Spawns role `name`, `args` after `bun server/main.ts`; returns its process. @throws what `Bun.spawn` throws */
export type SpawnRole = (name: string, args: string[]) => Subprocess;

/**
 * The environment of every role: this process's (read now), then the cluster's token, id, data
 * directory, log level (`opts.logLevel`, else LOG_LEVEL, else `info`) and runtime, then `opts.env`,
 * which wins.
 */
export function roleEnv(
  opts: ClusterOptions,
  cluster: string,
  dataDir: string,
): Record<string, string | undefined> {
  return {
    ...process.env,
    ZONESCALE_TOKEN: opts.token,
    ZONESCALE_CLUSTER: cluster,
    ZONESCALE_DATA_DIR: dataDir,
    LOG_LEVEL: opts.logLevel ?? process.env.LOG_LEVEL ?? 'info',
    RUNTIME: opts.runtime ?? 'process',
    ...opts.env,
  };
}

/**
 * A `SpawnRole` that runs `bun <root>/server/main.ts …` in `root` with `env`, stdin ignored, stdout
 * to `<logDir>/<name>.log` and stderr to `<logDir>/<name>.err.log` (each spawn starts its files anew).
 */
export function roleSpawner(
  root: string,
  env: Record<string, string | undefined>,
  logDir: string,
): SpawnRole {
  return (name, args) =>
    Bun.spawn(['bun', join(root, 'server/main.ts'), ...args], {
      cwd: root,
      env,
      stdin: 'ignore',
      stdout: Bun.file(join(logDir, `${name}.log`)),
      stderr: Bun.file(join(logDir, `${name}.err.log`)),
    });
}

/**
 * The command line of a monitor, as a function of its entry: the role, its id and port (from its
 * URL), every monitor as a peer, the layout's balancer and app ports, the collector and gateway
 * URLs, the timings `t` (ms), the app's `--scenario-mode` and then `opts.monitorArgs`. A caller's
 * `--balancer-args=…` is not passed as such: its value is read now and appended to the dev balancer
 * timings (its flags come later and win); the other monitor args and the scenario mode are read at each call.
 */
export function monitorArgsOf(
  opts: ClusterOptions,
  layout: ClusterLayout,
  t: typeof DEV_TIMINGS,
  urls: { collectorUrl: string; gatewayUrl: string },
): (m: MonitorProc) => string[] {
  const peers = layout.monitorPorts.map((p, i) => `${i + 1}=http://127.0.0.1:${p}`).join(',');
  const userBalancerArgs = (opts.monitorArgs ?? [])
    .filter((a) => a.startsWith(BALANCER_ARGS))
    .map((a) => a.slice(BALANCER_ARGS.length));
  return (m) => [
    'monitor',
    `--id=${m.id}`,
    `--port=${new URL(m.url).port}`,
    `--peers=${peers}`,
    `--balancer-port-base=${layout.balancerPortBase}`,
    `--app-ports=${layout.appPorts[0]}-${layout.appPorts[1]}`,
    `--collector=${urls.collectorUrl}`,
    `--gateway=${urls.gatewayUrl}`,
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
}

/** Bun's last line after an uncaught error or a crash: `Bun v1.4.5 (Linux x64)`. */
const BUN_BANNER = /^Bun v\d+\.\d+\.\d+/;
/**
 * The message line of an error Bun printed uncaught: `error: …` for an `Error`, else the error's
 * name (`TypeError: …`, `BadConfig: …`); the lines after it that list the error's own properties
 * (`code: "ECONNREFUSED"`) start in lower case.
 */
const ERROR_LINE = /^(error|[A-Z][A-Za-z0-9]*)(\s*\[[^\]]*\])?: \S/;

/**
 * The line of a role's stderr `text` that says why it stopped ('' when none): its last non-empty
 * line, unless that is Bun's version banner, which ends the report of an uncaught error; then the
 * report's message line (the last such), else the line before the banner.
 */
export function stopReason(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? '';
  if (!BUN_BANNER.test(last)) return last;
  const before = lines.slice(0, -1);
  return before.findLast((l) => ERROR_LINE.test(l)) ?? before.at(-1) ?? last;
}

/**
 * The first role (collector, gateway, agent, then the monitors by id, each as it is now) that
 * exited on its own with an error (a non-zero status, not killed): a BadConfig naming it and why
 * it stopped by its `<logDir>/<name>.err.log` (`stopReason`), else its exit status. Null when none did.
 */
export function failedRole(procs: RoleProcs, logDir: string): BadConfig | null {
  const roles: [string, Subprocess | null][] = [
    ['collector', procs.collector],
    ['gateway', procs.gateway],
    ['agent', procs.agent],
    ...procs.monitors.map((m): [string, Subprocess | null] => [`monitor-${m.id}`, m.proc]),
  ];
  for (const [name, p] of roles) {
    if (p?.exitCode === null || p?.exitCode === undefined || p.exitCode === 0) continue;
    const log = join(logDir, `${name}.err.log`);
    const why = (existsSync(log) && stopReason(readFileSync(log, 'utf8'))) || `exit status ${p.exitCode}`;
    return new BadConfig(`the cluster's ${name} stopped at start: ${why}`);
  }
  return null;
}

/** GET /state from the first of `monitors`, in order, that answers 2xx within 1 s; null when none does. */
export async function monitorState(monitors: MonitorProc[]): Promise<ClusterState | null> {
  for (const m of monitors) {
    try {
      const res = await fetch(`${m.url}/state`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return (await res.json()) as ClusterState;
    } catch {
      // try the next replica
    }
  }
  return null;
}

/**
 * Polls `state()` every 250 ms until `pred` holds and returns that state; `failed()` is asked first
 * on each round. @throws the BadConfig `failed()` returns (a role exited on its own with an error);
 * Error after `timeoutMs` naming `what` and the last state (at most 2,000 characters of its JSON)
 */
export async function pollState(
  what: string,
  pred: (s: ClusterState) => boolean,
  timeoutMs: number,
  state: () => Promise<ClusterState | null>,
  failed: () => BadConfig | null,
): Promise<ClusterState> {
  const deadline = Date.now() + timeoutMs;
  let last: ClusterState | null = null;
  while (Date.now() < deadline) {
    const err = failed();
    if (err) throw err;
    last = await state();
    if (last && pred(last)) return last;
    await Bun.sleep(250);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}; last state: ${JSON.stringify(last)?.slice(0, 2000)}`,
  );
}

/**
 * SIGKILLs the monitors, the collector, the gateway and the agent, waits for all of them to exit,
 * then stops every container `runtime` holds, one after another, then releases `lock`. Not
 * idempotent by itself (the handle's `stop()` guards it).
 * @throws whatever the runtime throws (the lock is kept then)
 */
export async function stopRoles(
  procs: RoleProcs,
  runtime: ContainerRuntime,
  lock: ClusterLock,
): Promise<void> {
  const { collector, gateway, agent, monitors } = procs;
  for (const p of [...monitors.map((m) => m.proc), collector, gateway, agent]) p?.kill('SIGKILL');
  await Promise.all([
    ...monitors.map((m) => m.proc?.exited),
    collector.exited,
    gateway.exited,
    agent?.exited,
  ]);
  for (const c of await runtime.list()) await runtime.stop(c.id);
  lock.release();
}
