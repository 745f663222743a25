/**
 * Which live processes a `ProcessRuntime` started, told from the process table (Linux `/proc`)
 * rather than from its records: every child carries its owner (`ZONESCALE_CLUSTER`,
 * `ZONESCALE_RUN_DIR`) and its container (`ZONESCALE_CONTAINER_ID`, `ZONESCALE_CONTAINER`) in its
 * initial environment, which neither a reused pid nor another cluster's process can show. The
 * runtime checks a record's pid against it (`isContainerProcess`) and finds the containers no record
 * names (`ownedProcesses`): one started by a monitor that died before it wrote the record, or the
 * loser of two starts of the same id at once (two leaders across a failover).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ContainerRole, ZoneId } from '../../shared/types.ts';

/** The runtime that started a container, as written into the child's environment. */
export interface ContainerOwner {
  cluster: string;
  runDir: string;
}

/** Environment variable naming the run directory of the runtime that started a container. */
export const RUN_DIR_ENV = 'ZONESCALE_RUN_DIR';

/** Environment variable naming the container id, set on every child (a service's command line may not name it). */
export const CONTAINER_ID_ENV = 'ZONESCALE_CONTAINER_ID';

/** Environment variable holding `ContainerMeta` as JSON, set on every child. */
export const CONTAINER_META_ENV = 'ZONESCALE_CONTAINER';

/** What a child's environment says of its container; `startedAt` is epoch ms. */
export interface ContainerMeta {
  role: ContainerRole;
  zone: ZoneId;
  port: number;
  startedAt: number;
}

/** The environment entries that name `owner` and container `id` with `meta`, for a child. */
export function ownerEnv(owner: ContainerOwner, id: string, meta: ContainerMeta): Record<string, string> {
  return {
    ZONESCALE_CLUSTER: owner.cluster,
    [RUN_DIR_ENV]: owner.runDir,
    [CONTAINER_ID_ENV]: id,
    [CONTAINER_META_ENV]: JSON.stringify(meta),
  };
}

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

/** A live process that `owner` started as container `id`; `meta` is null when its environment lacks it. */
export interface OwnedProcess {
  pid: number;
  id: string;
  meta: ContainerMeta | null;
}

/** Whether `pid` leads its own process group and has not exited (`/proc/<pid>/stat`: state, pgrp). */
function isLiveGroupLeader(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so split after the last ')'.
  const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state !== 'Z' && state !== 'X' && Number(pgrp) === pid;
}

/** `ContainerMeta` from its JSON; null when absent or malformed. */
function metaOf(json: string | undefined): ContainerMeta | null {
  if (json === undefined) return null;
  try {
    const m = JSON.parse(json) as ContainerMeta;
    return typeof m.role === 'string' && typeof m.zone === 'string' && Number.isInteger(m.port) ? m : null;
  } catch {
    return null;
  }
}

/**
 * Every live process that `owner` started, found by its environment: only the leaders of process
 * groups (each container is started in a session of its own, and what a service forks inherits
 * the environment too), ordered by pid. Empty without `/proc`. About 0.5 ms for 70 processes.
 */
export function ownedProcesses(owner: ContainerOwner): OwnedProcess[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  const found: OwnedProcess[] = [];
  for (const pid of pids.sort((a, b) => a - b)) {
    const environ = environOf(pid);
    if (environ === null || !ownedBy(environ, owner)) continue;
    const value = (name: string) => environ.find((e) => e.startsWith(`${name}=`))?.slice(name.length + 1);
    const id = value(CONTAINER_ID_ENV);
    if (id === undefined || !isLiveGroupLeader(pid)) continue;
    found.push({ pid, id, meta: metaOf(value(CONTAINER_META_ENV)) });
  }
  return found;
}

/** Sends `signal` to the process group of `pid` (the child is a group leader), else to `pid`. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
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
