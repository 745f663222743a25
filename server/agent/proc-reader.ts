/**
 * `UsageReader` of the process runtime, from `/proc` (Linux): each server is the process tree under
 * the pid the runtime reports as its `runtimeId` (the process-group leader it started: the app,
 * or the shell running a service command, and every descendant). Each `read` scans `/proc/<pid>/stat`
 * of every process once, because this kernel may lack `/proc/<pid>/task/<tid>/children`
 * (CONFIG_PROC_CHILDREN), and a parent map is the one way to find descendants without it.
 * Decision: no cgroup reading here. The process runtime starts servers as plain processes in the
 * agent's own cgroup (it creates no cgroup per server), so a cgroup's `cpu.stat`/`memory.current`
 * would count every other process of the session; a server with its own cgroup is a container, and
 * the Docker reader reads that cgroup through the engine.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { RuntimeContainer } from '../adapters/runtime.ts';
import type { UsageReader } from './reader.ts';
import { type ProcStat, type ProcUnits, parseProcStat, treeReading, type UsageReading } from './usage.ts';

/** `getconf NAME` as a positive integer, else `fallback`. */
function getconf(name: string, fallback: number): number {
  try {
    const out = spawnSync('getconf', [name], { encoding: 'utf8', timeout: 2_000 });
    const n = Number(out.stdout.trim());
    return Number.isInteger(n) && n > 0 ? n : fallback;
  } catch {
    return fallback;
  }
}

/** This host's `USER_HZ` and page size (`getconf CLK_TCK`, `PAGESIZE`; Linux's 100 and 4096 if unknown). */
export function hostProcUnits(): ProcUnits {
  return { clockTicks: getconf('CLK_TCK', 100), pageSize: getconf('PAGESIZE', 4096) };
}

/** Options of `ProcReader`. */
export interface ProcReaderOptions {
  /** procfs mount; default `/proc`. */
  procDir?: string;
  units?: ProcUnits;
  /** Monotonic clock, ns; default `process.hrtime.bigint()`. */
  clockNs?: () => number;
}

/** Reads the whole process table as pid → stat; a process that exits mid-scan is skipped. */
export function readProcTable(procDir = '/proc'): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const name of readdirSync(procDir)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue; // not a pid directory
    let text: string;
    try {
      text = readFileSync(`${procDir}/${name}/stat`, 'latin1');
    } catch {
      continue; // exited between readdir and read
    }
    const p = parseProcStat(text);
    if (p) table.set(p.pid, p);
  }
  return table;
}

/** The `/proc` reader; see the module comment. */
export class ProcReader implements UsageReader {
  readonly kind = 'proc';
  private readonly procDir: string;
  private readonly units: ProcUnits;
  private readonly clockNs: () => number;

  constructor(opts: ProcReaderOptions = {}) {
    this.procDir = opts.procDir ?? '/proc';
    this.units = opts.units ?? hostProcUnits();
    this.clockNs = opts.clockNs ?? (() => Number(process.hrtime.bigint()));
  }

  /** One reading per container whose `runtimeId` is a pid present in `/proc`. */
  async read(containers: readonly RuntimeContainer[]): Promise<Map<string, UsageReading>> {
    const out = new Map<string, UsageReading>();
    if (containers.length === 0) return out;
    const table = readProcTable(this.procDir);
    const now = this.clockNs();
    for (const c of containers) {
      const pid = Number(c.runtimeId);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      const r = treeReading(pid, table, this.units, now);
      if (r) out.set(c.id, r);
    }
    return out;
  }
}
