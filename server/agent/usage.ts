/**
 * The agent's sampling maths, pure (text and numbers in, numbers out), so every rule is tested from
 * fixture text and the Docker documentation's numbers. A server's usage is read as a `UsageReading`
 * (cumulative CPU time and a clock, both ns, plus resident memory); two readings of the same server
 * give its CPU in % of one core over the time between them (`cpuPercent`), as `top` and
 * `docker stats` compute it. Sources: proc(5) for `/proc/<pid>/stat`; the Docker Engine API
 * reference ("To calculate the values shown by the stats command of the docker cli tool…") and the
 * docker CLI's `calculateMemUsageUnixNoCache` for container stats.
 */

/** One reading of one server: cumulative CPU time and a clock of the same unit (ns), memory in bytes. */
export interface UsageReading {
  /** CPU time the server has used since it started, summed over its processes and cores, ns. */
  cpuNs: number;
  /** A monotonic clock of wall time when read, ns (for Docker: the host's CPU time / online CPUs). */
  clockNs: number;
  /** Resident memory, bytes. */
  memoryBytes: number;
}

/**
 * CPU in % of one core between two readings of the same server: Δcpu / Δclock × 100 (200 = two
 * cores busy). Null when the clock did not advance; a counter that went back (a process of the
 * tree left it) counts as 0, never negative.
 */
export function cpuPercent(prev: UsageReading, next: UsageReading): number | null {
  const wall = next.clockNs - prev.clockNs;
  if (!(wall > 0)) return null;
  return (Math.max(0, next.cpuNs - prev.cpuNs) / wall) * 100;
}

/** The fields of `/proc/<pid>/stat` the agent uses; times in clock ticks, rss in pages. */
export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process, plus cutime + cstime of its waited-for children, ticks. */
  cpuTicks: number;
  /** Resident set size, pages. */
  rssPages: number;
}

/**
 * Parses one `/proc/<pid>/stat` line (proc(5)). The command name (field 2) is in parentheses and
 * may hold spaces and `)`, so fields are counted from the LAST `)`. Counting the children's
 * cutime/cstime keeps a tree's total continuous when a child exits and its parent reaps it (its
 * time moves from the child's utime/stime into the parent's cutime/cstime).
 * @returns null when the text is not a stat line
 */
export function parseProcStat(text: string): ProcStat | null {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (open < 1 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ") ": field 3 (state) is rest[0], so field n is rest[n - 3].
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ');
  if (rest.length < 22 || !Number.isInteger(pid)) return null;
  const field = (n: number) => Number(rest[n - 3]);
  const ppid = field(4);
  const cpuTicks = field(14) + field(15) + field(16) + field(17);
  const rssPages = field(24);
  if (![ppid, cpuTicks, rssPages].every(Number.isFinite)) return null;
  return { pid, ppid, cpuTicks, rssPages: Math.max(0, rssPages) };
}

/**
 * The pids of the tree rooted at `root` (root first, then descendants breadth-first) in a process
 * table; empty when `root` is not in it.
 */
export function processTree(root: number, table: ReadonlyMap<number, ProcStat>): number[] {
  if (!table.has(root)) return [];
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    for (const c of children.get(out[i] as number) ?? []) if (c !== root) out.push(c);
  }
  return out;
}

/** Units of a `/proc` reading: `USER_HZ` (ticks a second, `getconf CLK_TCK`) and the page size, bytes. */
export interface ProcUnits {
  clockTicks: number;
  pageSize: number;
}

/**
 * The reading of the process tree rooted at `root`: CPU = Σ ticks over the tree, RSS = Σ RSS over
 * the tree (as `ps` adds it: pages shared by two processes count twice). Null when `root` is gone.
 */
export function treeReading(
  root: number,
  table: ReadonlyMap<number, ProcStat>,
  units: ProcUnits,
  clockNs: number,
): UsageReading | null {
  const pids = processTree(root, table);
  if (pids.length === 0) return null;
  let ticks = 0;
  let pages = 0;
  for (const pid of pids) {
    const p = table.get(pid) as ProcStat;
    ticks += p.cpuTicks;
    pages += p.rssPages;
  }
  return { cpuNs: (ticks / units.clockTicks) * 1e9, clockNs, memoryBytes: pages * units.pageSize };
}

/** The part of a Docker stats answer's `cpu_stats` / `precpu_stats` the agent uses (ns). */
export interface DockerCpuStats {
  cpu_usage: { total_usage: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

/** The part of a Docker stats answer's `memory_stats` the agent uses (bytes). */
export interface DockerMemoryStats {
  usage?: number;
  stats?: Record<string, number | undefined>;
}

/**
 * A container's reading from one Docker stats answer: CPU = `total_usage` and the clock =
 * `system_cpu_usage / online_cpus`, so `cpuPercent` of two readings is exactly the API reference's
 * `(cpu_delta / system_cpu_delta) × number_cpus × 100`. `number_cpus` is `online_cpus`, else the
 * length of `percpu_usage` (older daemons), else 1. Null when the answer has no system CPU figure
 * (a stopped container).
 */
export function dockerReading(cpu: DockerCpuStats, memory: DockerMemoryStats): UsageReading | null {
  const system = cpu.system_cpu_usage;
  if (!system || !Number.isFinite(cpu.cpu_usage?.total_usage)) return null;
  const cpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 1;
  return { cpuNs: cpu.cpu_usage.total_usage, clockNs: system / cpus, memoryBytes: dockerMemoryBytes(memory) };
}

/**
 * Memory a container uses as `docker stats` shows it: `usage` minus the page cache it could drop —
 * `total_inactive_file` (cgroup v1), else `inactive_file` (cgroup v2), else `cache` (the API
 * reference's older rule) — each only when smaller than `usage`. Bytes; 0 when `usage` is missing.
 */
export function dockerMemoryBytes(memory: DockerMemoryStats): number {
  const usage = memory.usage ?? 0;
  const stats = memory.stats ?? {};
  for (const key of ['total_inactive_file', 'inactive_file', 'cache']) {
    const v = stats[key];
    if (v !== undefined && v < usage) return usage - v;
  }
  return usage;
}
