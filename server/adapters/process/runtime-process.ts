/**
 * The embedded-default `ContainerRuntime` (`RUNTIME=process`): each container is a local process
 * `bun <repoRoot>/server/main.ts <role> ...args`, started detached in its own session/process group
 * so it outlives the monitor that started it (a new leader takes over managing it). Each start
 * writes a record `<runDir>/containers/<id>.json` and appends the child's output to
 * `<runDir>/logs/<id>.log`; any runtime instance on the same `runDir` recovers the state from the
 * records. A record counts as running only when its pid is alive, names the container (its id or
 * port in `/proc/<pid>/cmdline`, or `ZONESCALE_CONTAINER_ID=<id>` in its environment, for a user's
 * service whose command line names neither), AND `/proc/<pid>/environ` names this runtime as its
 * owner (`ZONESCALE_CLUSTER` and `ZONESCALE_RUN_DIR`, set on every child), so neither a reused pid
 * nor a process of another cluster (another data directory, same container ids and ports) is ever
 * signalled; `stop` also refuses a record that carries another cluster's id. A user's service
 * (`spec.service.command`) runs as `/bin/sh -c <command>` with `PORT` set and without the
 * runtime's own `ZONESCALE_*` environment (no cluster token for the user's code); the group
 * leader's pid is its `runtimeId`, and `stop` signals the whole group.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { Subprocess } from 'bun';
import { BadConfig, ZonescaleError } from '../../shared/errors.ts';
import type { ContainerRole, ZoneId } from '../../shared/types.ts';
import {
  type ContainerRuntime,
  type ContainerSpec,
  isForeignService,
  portEnv,
  type RuntimeContainer,
} from '../runtime.ts';
import { tailOf } from './log-tail.ts';

/** How long `stop` waits after SIGTERM before SIGKILL, ms. */
export const STOP_GRACE_MS = 3_000;

/** How long `start` waits for the child's exec to show in `/proc/<pid>/cmdline`, ms. */
export const EXEC_WAIT_MS = 2_000;

/** What `<runDir>/containers/<id>.json` holds. `startedAt` is epoch ms. */
export interface ProcessRecord {
  id: string;
  role: ContainerRole;
  zone: ZoneId;
  port: number;
  pid: number;
  startedAt: number;
  cluster: string;
  args: string[];
}

/** Options of `ProcessRuntime`. */
export interface ProcessRuntimeOptions {
  /** Directory for `containers/` records and `logs/` (select.ts passes `<dataDir>/<cluster>`). */
  runDir: string;
  /** Cluster id written into every record; `list()` shows only this cluster's containers. */
  cluster: string;
  /** Repository root, the children's cwd (default: resolved from this file's location). */
  repoRoot?: string;
  /** The bun binary (default `process.execPath`). */
  bunPath?: string;
  /**
   * Overrides the command line (tests); default `['/bin/sh', '-c', service.command]` for a user's
   * service, else `[bunPath, <repoRoot>/server/main.ts, role, ...args]`.
   */
  command?: (spec: ContainerSpec) => string[];
}

/** The runtime that started a container, as written into the child's environment. */
export interface ContainerOwner {
  cluster: string;
  runDir: string;
}

/** Environment variable naming the run directory of the runtime that started a container. */
export const RUN_DIR_ENV = 'ZONESCALE_RUN_DIR';

/** Environment variable naming the container id, set on every child (a service's command line may not name it). */
export const CONTAINER_ID_ENV = 'ZONESCALE_CONTAINER_ID';

/** `pid`'s initial environment as `NAME=value` entries; null when unreadable. */
function environOf(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  } catch {
    return null;
  }
}

/** Whether `pid`'s initial environment names `owner` (unreadable environ = not ours). */
function ownedBy(environ: string[] | null, owner: ContainerOwner): boolean {
  if (environ === null) return !existsSync('/proc/self/environ'); // no procfs: trust the command line
  return (
    environ.includes(`ZONESCALE_CLUSTER=${owner.cluster}`) &&
    environ.includes(`${RUN_DIR_ENV}=${owner.runDir}`)
  );
}

/**
 * Whether `pid` is alive and its command line names `id` or `port` (Linux `/proc`; elsewhere
 * liveness only) and, when `owner` is given, its environment names that owner.
 */
export function isContainerProcess(pid: number, id: string, port: number, owner?: ContainerOwner): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return !existsSync('/proc/self/cmdline'); // no procfs: trust liveness
  }
  if (cmdline === '') return false; // a zombie (exited, not reaped yet)
  // Whole tokens only, so `zone1-app-1` does not match `zone1-app-12`, nor port 900 match 9001.
  const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const token = new RegExp(`(^|[^\\w.-])(${esc}|${port})([^\\w.-]|$)`);
  const environ = owner === undefined ? null : environOf(pid);
  const named =
    cmdline.split('\0').some((arg) => token.test(arg)) ||
    (environ?.includes(`${CONTAINER_ID_ENV}=${id}`) ?? false);
  if (!named) return false;
  return owner === undefined || ownedBy(environ, owner);
}

/** Sends `signal` to the process group of `pid` (the child is a group leader), else to `pid`. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** A `ContainerRuntime` of local, detached Bun processes. */
export class ProcessRuntime implements ContainerRuntime {
  private readonly runDir: string;
  private readonly cluster: string;
  private readonly repoRoot: string;
  private readonly command: (spec: ContainerSpec) => string[];

  constructor(opts: ProcessRuntimeOptions) {
    this.runDir = resolve(opts.runDir);
    this.cluster = opts.cluster;
    this.repoRoot = resolve(opts.repoRoot ?? join(import.meta.dir, '../../..'));
    const bun = opts.bunPath ?? process.execPath;
    this.command = opts.command ?? ((spec) => defaultCommand(spec, bun, this.repoRoot));
  }

  /**
   * Starts `spec`, first stopping a container already recorded under the same id.
   * @throws ZonescaleError `bad_container_id` (400) for an id unfit as a file name; BadConfig for a
   *   service with an image (the Docker runtime runs images); spawn errors as thrown by Bun.
   */
  async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    await this.stop(spec.id);
    mkdirSync(join(this.runDir, 'logs'), { recursive: true });
    mkdirSync(join(this.runDir, 'containers'), { recursive: true });
    const log = openSync(join(this.runDir, 'logs', `${spec.id}.log`), 'a');
    let child: Subprocess;
    try {
      child = Bun.spawn(this.command(spec), {
        cwd: this.repoRoot,
        env: {
          ...(isForeignService(spec.service) ? withoutZonescaleEnv(process.env) : process.env),
          ...spec.env,
          ...(spec.service ? { ...spec.service.env, ...portEnv(spec.service, spec.port) } : {}),
          ZONESCALE_CLUSTER: this.cluster,
          [RUN_DIR_ENV]: this.runDir,
          [CONTAINER_ID_ENV]: spec.id,
        },
        stdin: 'ignore',
        stdout: log,
        stderr: log,
        detached: true,
      });
      child.unref();
    } finally {
      closeSync(log);
    }
    const pid = child.pid;
    // Right after spawn /proc may still show the pre-exec command line; wait until it names the container (or exits).
    const deadline = Date.now() + EXEC_WAIT_MS;
    while (Date.now() < deadline && child.exitCode === null && !this.isOurs(pid, spec.id, spec.port))
      await Bun.sleep(5);
    const rec: ProcessRecord = {
      id: spec.id,
      role: spec.role,
      zone: spec.zone,
      port: spec.port,
      pid,
      startedAt: Date.now(),
      cluster: this.cluster,
      args: [...spec.args],
    };
    const file = this.recordPath(spec.id);
    writeFileSync(`${file}.tmp`, JSON.stringify(rec, null, 2));
    renameSync(`${file}.tmp`, file);
    return this.view(rec);
  }

  /**
   * SIGTERM to the container's process group, SIGKILL after `STOP_GRACE_MS`, then drops the record;
   * unknown id = no-op. A record of another cluster is left alone, and a process that is not this
   * runtime's (reused pid, another cluster's) is never signalled.
   */
  async stop(id: string): Promise<void> {
    const rec = this.read(this.recordPath(id));
    if (!rec || rec.cluster !== this.cluster) return;
    if (this.isOurs(rec.pid, rec.id, rec.port)) {
      signalGroup(rec.pid, 'SIGTERM');
      const deadline = Date.now() + STOP_GRACE_MS;
      while (Date.now() < deadline && this.isOurs(rec.pid, rec.id, rec.port)) await Bun.sleep(50);
      if (this.isOurs(rec.pid, rec.id, rec.port)) signalGroup(rec.pid, 'SIGKILL');
    }
    rmSync(this.recordPath(id), { force: true });
  }

  /** Whether `pid` is the container `id`/`port` started by this runtime (cluster and run directory). */
  private isOurs(pid: number, id: string, port: number): boolean {
    return isContainerProcess(pid, id, port, { cluster: this.cluster, runDir: this.runDir });
  }

  /** Every recorded container of this cluster, `running` checked against the live process table. */
  async list(): Promise<RuntimeContainer[]> {
    const dir = join(this.runDir, 'containers');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.read(join(dir, f)))
      .filter((r): r is ProcessRecord => r !== null && r.cluster === this.cluster)
      .sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1))
      .map((r) => this.view(r));
  }

  /** The last `lines` lines of `<runDir>/logs/<id>.log` ('' when there is none). */
  async logTail(id: string, lines: number): Promise<string> {
    this.recordPath(id); // validates the id before it names a file
    return tailOf(join(this.runDir, 'logs', `${id}.log`), lines);
  }

  private recordPath(id: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id)) {
      throw new ZonescaleError(
        'bad_container_id',
        `container id "${id}" must be letters, digits, dots, dashes or underscores`,
        400,
      );
    }
    return join(this.runDir, 'containers', `${id}.json`);
  }

  private read(file: string): ProcessRecord | null {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as ProcessRecord;
    } catch {
      return null;
    }
  }

  private view(r: ProcessRecord): RuntimeContainer {
    return {
      id: r.id,
      role: r.role,
      zone: r.zone,
      port: r.port,
      runtimeId: String(r.pid),
      running: this.isOurs(r.pid, r.id, r.port),
      startedAt: r.startedAt,
    };
  }
}

/** The command line of `spec`: the user's service by a shell, else zonescale's own entry point. */
function defaultCommand(spec: ContainerSpec, bun: string, repoRoot: string): string[] {
  const service = spec.role === 'app' ? spec.service : undefined;
  if (isForeignService(service)) {
    if (service.image !== undefined || service.command === undefined)
      throw new BadConfig(
        `service image "${service.image}" needs the Docker runtime (RUNTIME=docker); the process runtime runs a command (--service)`,
      );
    return ['/bin/sh', '-c', service.command];
  }
  return [bun, join(repoRoot, 'server/main.ts'), spec.role, ...spec.args];
}

/** `env` without the `ZONESCALE_*` names (the cluster token, data directory, …), for a user's service. */
function withoutZonescaleEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('ZONESCALE_')));
}
