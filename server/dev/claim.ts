/**
 * What a dev/test cluster claims before it starts anything: its data directory, by an exclusive
 * lock file `<dataDir>/zonescale.lock` naming the holder (pid, cluster id, base port, command), and
 * its fixed ports (collector, monitors, gateway, zone balancers), by a listen-and-close probe. A
 * second `bun run dev` on the same data directory or ports is refused with a `ClusterBusy` error
 * (a `BadConfig`: one line, exit 2) saying who holds them and how to run another cluster beside it,
 * before it could stop or overwrite anything of the first. A lock whose holder is gone (killed with
 * SIGKILL) is stale and taken over. App server ports are not probed: the leader skips a busy one
 * (`monitor/leader/port-probe.ts`), so one stray listener in the range does not stop the cluster.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { portBindable } from '../monitor/leader/port-probe.ts';
import { BadConfig } from '../shared/errors.ts';
import type { ClusterLayout } from './layout.ts';

/** What the lock file holds. `startedAt` is epoch ms. */
export interface LockHolder {
  pid: number;
  cluster: string;
  basePort: number;
  dataDir: string;
  startedAt: number;
  command: string;
}

/** The data directory or a port is held by another cluster or process; exits 2 with `message`. */
export class ClusterBusy extends BadConfig {}

/** A held lock; `release()` removes the file if it is still ours (idempotent). */
export interface ClusterLock {
  file: string;
  release(): void;
}

/** The lock file of `dataDir`. */
export function lockFile(dataDir: string): string {
  return join(dataDir, 'zonescale.lock');
}

/** Whether `pid` is a live process running Bun (a reused pid of another program does not count). */
function holderAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /bun/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return true; // no procfs: trust liveness
  }
}

function readHolder(file: string): LockHolder | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

/** How to run a second cluster beside the one based at `basePort`. */
function besideHint(basePort: number): string {
  const next = basePort + 100 <= 63336 ? basePort + 100 : basePort - 100;
  return `to run another cluster beside it: bun run dev --base-port ${next} --data-dir .zonescale-${next}`;
}

/**
 * Takes `<dataDir>/zonescale.lock` for `holder` (created exclusively; a stale lock is replaced).
 * @throws ClusterBusy when a live process holds it
 */
export function lockDataDir(holder: LockHolder): ClusterLock {
  mkdirSync(holder.dataDir, { recursive: true });
  const file = lockFile(holder.dataDir);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const other = readHolder(file);
      if (other && other.pid !== process.pid && holderAlive(other.pid)) {
        const since = `${new Date(other.startedAt).toISOString().slice(11, 19)} UTC`;
        throw new ClusterBusy(
          `data directory ${holder.dataDir} is in use by cluster "${other.cluster}" (pid ${other.pid}, base port ${other.basePort}, started ${since} by ${other.command}); stop it with Ctrl-C, or ${besideHint(other.basePort)}`,
        );
      }
      rmSync(file, { force: true }); // stale: its holder is gone
      continue;
    }
    writeSync(fd, JSON.stringify(holder, null, 2));
    closeSync(fd);
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        if (readHolder(file)?.pid === holder.pid) rmSync(file, { force: true });
      },
    };
  }
  throw new ClusterBusy(`could not take the lock ${file}: another cluster keeps taking it`);
}

/** The fixed ports of `layout` with what each is for (balancers for `zones` zones). */
export function fixedPorts(layout: ClusterLayout, zones = 3): { port: number; what: string }[] {
  return [
    { port: layout.collectorPort, what: 'collector' },
    ...layout.monitorPorts.map((port, i) => ({ port, what: `monitor ${i + 1}` })),
    { port: layout.gatewayPort, what: 'gateway' },
    { port: layout.agentPort, what: 'agent' },
    ...Array.from({ length: zones }, (_, i) => ({
      port: layout.balancerPortBase + i,
      what: `zone${i + 1} balancer`,
    })),
  ];
}

/** What answers `GET /health_check` on `port`, as words (`a zonescale monitor (id 1, leader)`), or null. */
async function whoAnswers(port: number): Promise<string | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health_check`, { signal: AbortSignal.timeout(500) });
    const body = (await res.json()) as { role?: unknown; id?: unknown; zone?: unknown };
    if (['leader', 'follower', 'candidate'].includes(String(body.role)))
      return `a zonescale monitor (id ${String(body.id)}, ${String(body.role)})`;
    if (typeof body.role === 'string') return `a zonescale ${body.role}`;
    if (typeof body.zone === 'string') return `a zonescale server of ${body.zone}`;
    return 'a zonescale role';
  } catch {
    return null;
  }
}

/**
 * Checks that every fixed port of `layout` can be bound on 127.0.0.1.
 * @throws ClusterBusy naming the first busy port, what answers on it, and the fix
 */
export async function checkPorts(layout: ClusterLayout, zones = 3): Promise<void> {
  for (const { port, what } of fixedPorts(layout, zones)) {
    if (await portBindable(port)) continue;
    const who = (await whoAnswers(port)) ?? 'another process';
    throw new ClusterBusy(
      `port ${port} (the ${what} of a cluster at base port ${layout.basePort}) is in use by ${who}, probably another cluster on the same ports; stop it, or ${besideHint(layout.basePort)}`,
    );
  }
}
