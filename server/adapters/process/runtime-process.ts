/**
 * The embedded-default `ContainerRuntime` (`RUNTIME=process`): each container is a local process
 * `bun <repoRoot>/server/main.ts <role> ...args`, started detached in its own session/process group
 * so it outlives the monitor that started it (a new leader takes over managing it). Each start
 * writes a record `<runDir>/containers/<id>.json` and appends the child's output to
 * `<runDir>/logs/<id>.log`; any runtime instance on the same `runDir` recovers the state from the
 * records. A record counts as running only when its pid is this runtime's process for the
 * container (`isContainerProcess`, owned-processes.ts: command line or environment name it, the
 * environment names this cluster and run directory), so neither a reused pid nor a process of
 * another cluster (another data directory, same ids and ports) is ever signalled; a live process
 * of ours that no record names is listed too, and `stop` ends it with the recorded one; `stop`
 * refuses a record that carries another cluster's id. A user's service
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
import {
  type ContainerMeta,
  type ContainerOwner,
  isContainerProcess,
  type OwnedProcess,
  ownedProcesses,
  ownerEnv,
  signalGroup,
} from './owned-processes.ts';

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

/** A `ContainerRuntime` of local, detached Bun processes. */
export class ProcessRuntime implements ContainerRuntime {
  private readonly runDir: string;
  private readonly cluster: string;
  private readonly repoRoot: string;
  private readonly command: (spec: ContainerSpec) => string[];
  private readonly owner: ContainerOwner;

  constructor(opts: ProcessRuntimeOptions) {
    this.runDir = resolve(opts.runDir);
    this.cluster = opts.cluster;
    this.owner = { cluster: this.cluster, runDir: this.runDir };
    this.repoRoot = resolve(opts.repoRoot ?? join(import.meta.dir, '../../..'));
    const bun = opts.bunPath ?? process.execPath;
    this.command = opts.command ?? ((spec) => defaultCommand(spec, bun, this.repoRoot));
  }

  /**
   * Starts `spec`, first stopping a container already recorded under the same id. The record is
   * written right after the spawn, before the wait for the child's exec, so a monitor that dies in
   * that wait leaves the child recorded. When two starts of one id overlap (two leaders across a
   * failover, or two runtimes on one run directory), the record written last wins and the other
   * child is stopped, so at most one process holds the id; the container returned is the winner.
   * @throws ZonescaleError `bad_container_id` (400) for an id unfit as a file name; BadConfig for a
   *   service with an image (the Docker runtime runs images); spawn errors as thrown by Bun.
   */
  async start(spec: ContainerSpec): Promise<RuntimeContainer> {
    await this.stop(spec.id);
    const file = this.recordPath(spec.id);
    mkdirSync(join(this.runDir, 'logs'), { recursive: true });
    mkdirSync(join(this.runDir, 'containers'), { recursive: true });
    const { id, role, zone, port } = spec;
    const startedAt = Date.now();
    const child = this.spawn(spec, { role, zone, port, startedAt });
    const rec: ProcessRecord = {
      id,
      role,
      zone,
      port,
      pid: child.pid,
      startedAt,
      cluster: this.cluster,
      args: [...spec.args],
    };
    writeFileSync(`${file}.${child.pid}.tmp`, JSON.stringify(rec, null, 2));
    renameSync(`${file}.${child.pid}.tmp`, file);
    // Right after spawn /proc may still show the pre-exec command line; wait until it names the container (or exits).
    const deadline = Date.now() + EXEC_WAIT_MS;
    while (Date.now() < deadline && child.exitCode === null && !this.isOurs(child.pid, id, port))
      await Bun.sleep(5);
    await this.stopStrays(id);
    // Read again: an overlapping start may have written its record while the strays were stopped.
    return this.view(this.read(file) ?? rec);
  }

  /** Spawns `spec` detached, its output appended to its log, its environment naming this runtime and `meta`. */
  private spawn(spec: ContainerSpec, meta: ContainerMeta): Subprocess {
    const log = openSync(join(this.runDir, 'logs', `${spec.id}.log`), 'a');
    try {
      const child = Bun.spawn(this.command(spec), {
        cwd: this.repoRoot,
        env: {
          ...(isForeignService(spec.service) ? withoutZonescaleEnv(process.env) : process.env),
          ...spec.env,
          ...(spec.service ? { ...spec.service.env, ...portEnv(spec.service, spec.port) } : {}),
          ...ownerEnv(this.owner, spec.id, meta),
        },
        stdin: 'ignore',
        stdout: log,
        stderr: log,
        detached: true,
      });
      child.unref();
      return child;
    } finally {
      closeSync(log);
    }
  }

  /**
   * SIGTERM to the container's process group, SIGKILL after `STOP_GRACE_MS`, then drops the record,
   * and does the same to every other process this runtime started as `id` (one no record names);
   * unknown id = no-op. A record of another cluster is left alone, and a process that is not this
   * runtime's (reused pid, another cluster's) is never signalled.
   */
  async stop(id: string): Promise<void> {
    const rec = this.read(this.recordPath(id));
    if (rec && rec.cluster !== this.cluster) return;
    if (rec) await this.terminate(rec.pid, rec.id, rec.port);
    rmSync(this.recordPath(id), { force: true });
    await this.stopStrays(id);
  }

  /** Stops, in parallel, the processes this runtime started as `id` that its record does not name. */
  private async stopStrays(id: string): Promise<void> {
    const rec = this.read(this.recordPath(id));
    const kept = rec?.cluster === this.cluster ? rec.pid : null;
    const strays = ownedProcesses(this.owner).filter((p) => p.id === id && p.pid !== kept);
    await Promise.all(strays.map((p) => this.terminate(p.pid, id, p.meta?.port ?? 0)));
  }

  /** SIGTERM to `pid`'s group while it is the container `id`/`port` of this runtime, SIGKILL after `STOP_GRACE_MS`. */
  private async terminate(pid: number, id: string, port: number): Promise<void> {
    if (!this.isOurs(pid, id, port)) return;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_GRACE_MS;
    while (Date.now() < deadline && this.isOurs(pid, id, port)) await Bun.sleep(50);
    if (this.isOurs(pid, id, port)) signalGroup(pid, 'SIGKILL');
  }

  /** Whether `pid` is the container `id`/`port` started by this runtime (cluster and run directory). */
  private isOurs(pid: number, id: string, port: number): boolean {
    return isContainerProcess(pid, id, port, this.owner);
  }

  /**
   * Every recorded container of this cluster, `running` checked against the live process table,
   * then every live process this runtime started whose id no record names (a monitor died between
   * spawn and record, or lost a race of two starts), as running, so a leader's reconcile stops it
   * as an orphan. Ordered by `startedAt`, then id.
   */
  async list(): Promise<RuntimeContainer[]> {
    const dir = join(this.runDir, 'containers');
    const records = existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .map((f) => this.read(join(dir, f)))
          .filter((r): r is ProcessRecord => r !== null && r.cluster === this.cluster)
      : [];
    const recorded = new Set(records.map((r) => r.id));
    const unrecorded = new Map<string, RuntimeContainer>();
    for (const p of ownedProcesses(this.owner))
      if (!recorded.has(p.id) && !unrecorded.has(p.id) && p.meta) unrecorded.set(p.id, strayView(p, p.meta));
    return [...records.map((r) => this.view(r)), ...unrecorded.values()].sort(
      (a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1),
    );
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

/** The view of a live process no record names, from what its environment says (`meta`). */
function strayView(p: OwnedProcess, meta: ContainerMeta): RuntimeContainer {
  const { role, zone, port, startedAt } = meta;
  return { id: p.id, role, zone, port, runtimeId: String(p.pid), running: true, startedAt };
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
