/**
 * The throughput section's figures as the results JSON holds them, pure over the measured runs:
 * each target's medians beside HAProxy's with the per-round figures (`figures`), the round-robin
 * balancer's per-round ratios to HAProxy (`pairedFigures`), and issue 10's targets per workload,
 * met or not (`targetsOf`).
 */
import { readFileSync } from 'node:fs';
import { failures, type Measured, medianOf, pairedRatio, ratio } from './stats.ts';
import type { Workload } from './workloads.ts';

/** Workload key -> target name -> its runs, one a round. */
export type Runs = Map<string, Map<string, Measured[]>>;

const round1 = (x: number) => Math.round(x * 10) / 10;

/** JSON figures of one target on one workload (`r`, the medians of `rounds`), beside HAProxy's (`base`). */
export function figures(r: Measured, rounds: Measured[], base: Measured | undefined) {
  return {
    rps: Math.round(r.rps),
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    cpuUsPerReq: round1(r.cpuUsPerReq),
    upstreamConnsPerReq: Math.round(r.upstreamConnsPerReq * 10_000) / 10_000,
    failed: failures(r),
    rpsVsHaproxy: base ? ratio(r.rps, base.rps) : null,
    p99VsHaproxy: base ? ratio(r.p99Ms, base.p99Ms) : null,
    cpuVsHaproxy: base ? ratio(r.cpuUsPerReq, base.cpuUsPerReq) : null,
    rounds: rounds.map((x) => ({
      rps: Math.round(x.rps),
      p99Ms: x.p99Ms,
      cpuUsPerReq: round1(x.cpuUsPerReq),
      upstreamConnsPerReq: Math.round(x.upstreamConnsPerReq * 10_000) / 10_000,
      stealPct: x.stealPct,
      ...(x.setAsideStealPct ? { setAsideStealPct: x.setAsideStealPct } : {}),
    })),
  };
}

/** The round-robin balancer over HAProxy, per round then the median (`pairedRatio`); null without both. */
export function pairedFigures(byTarget: Map<string, Measured[]>) {
  const rr = byTarget.get('zonescale round-robin');
  const ha = byTarget.get('haproxy');
  if (!rr || !ha) return null;
  return {
    rpsVsHaproxy: pairedRatio(rr, ha, (m) => m.rps),
    p99VsHaproxy: pairedRatio(rr, ha, (m) => m.p99Ms),
    cpuVsHaproxy: pairedRatio(rr, ha, (m) => m.cpuUsPerReq),
  };
}

/** Issue 10's targets for the round-robin balancer per workload: req/s ≥ 1.0x HAProxy, p99 ≤ 1.2x, ≤ 0.02 upstream connections a request at 1,000 clients. */
export function targetsOf(runs: Runs, ws: Workload[]) {
  return Object.fromEntries(
    ws.map((w) => {
      const byTarget = runs.get(w.key) as Map<string, Measured[]>;
      const rr = medianOf(byTarget.get('zonescale round-robin') ?? []);
      const ha = medianOf(byTarget.get('haproxy') ?? []);
      const t: Record<string, unknown> = {
        rpsVsHaproxy: { value: ratio(rr.rps, ha.rps), target: '>= 1.0', met: rr.rps >= ha.rps },
        p99VsHaproxy: { value: ratio(rr.p99Ms, ha.p99Ms), target: '<= 1.2', met: rr.p99Ms <= 1.2 * ha.p99Ms },
      };
      if (w.key === 'conns1000')
        t.upstreamConnsPerReq = {
          value: rr.upstreamConnsPerReq,
          target: '<= 0.02',
          met: rr.upstreamConnsPerReq <= 0.02,
        };
      return [w.key, t];
    }),
  );
}

/** The host CPU's model name (`/proc/cpuinfo`), so runs on different VMs can be told apart; '' if unknown. */
export function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    return '';
  }
}
