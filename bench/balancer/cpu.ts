/**
 * CPU time of a process and its children from Linux's `/proc`, for the benchmark's CPU-per-request
 * figure (less sensitive to a noisy shared host than req/s), and the machine's steal time (CPU the
 * hypervisor gave to other guests: a round with much of it is a noisy round). Pure parsing in
 * `statCpuTicks` and `machineTicks`.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_S = (() => {
  const out = Bun.spawnSync(['getconf', 'CLK_TCK']);
  const n = Number(out.stdout.toString().trim());
  return Number.isFinite(n) && n > 0 ? n : 100;
})();

/**
 * `[ppid, utime + stime]` (ticks) from the text of `/proc/<pid>/stat`.
 * @throws Error when the text is not a stat line.
 */
export function statCpuTicks(stat: string): [number, number] {
  // The command name is parenthesised and may hold spaces: fields start after the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(f[1]);
  const ticks = Number(f[11]) + Number(f[12]);
  if (!Number.isFinite(ppid) || !Number.isFinite(ticks))
    throw new Error(`not a /proc stat line: ${stat.slice(0, 80)}`);
  return [ppid, ticks];
}

/** CPU time (ms, user + system) used so far by process `pid` and its live children (nginx's workers). */
export function processCpuMs(pid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [ppid, t] = statCpuTicks(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (Number(entry) === pid || ppid === pid) ticks += t;
    } catch {} // the process ended meanwhile
  }
  return (ticks * 1000) / TICKS_PER_S;
}

/**
 * `[steal, total]` clock ticks of all CPUs from the text of `/proc/stat` (its first `cpu` line:
 * user nice system idle iowait irq softirq steal …).
 * @throws Error when there is no `cpu` line.
 */
export function machineTicks(stat: string): [number, number] {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return [f[7] ?? 0, f.reduce((a, b) => a + b, 0)];
}

/** The machine's ticks now (`machineTicks` of `/proc/stat`). */
export function machineTicksNow(): [number, number] {
  return machineTicks(readFileSync('/proc/stat', 'utf8'));
}

/** Steal time between two `machineTicksNow()` readings, % of all CPU time (one decimal); NaN for none. */
export function stealPct(before: [number, number], after: [number, number]): number {
  const total = after[1] - before[1];
  return total > 0 ? Math.round(((after[0] - before[0]) * 1000) / total) / 10 : Number.NaN;
}
