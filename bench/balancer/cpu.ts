/**
 * CPU time of a process and its children from Linux's `/proc`, for the benchmark's CPU-per-request
 * figure (less sensitive to a noisy shared host than req/s). Pure parsing in `statCpuTicks`.
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
