/**
 * The reaction bench's figures and report (used by `run.ts`): the targets of (a) scale-out,
 * (b) leader failover and (c) dead-server detection (ms), the source design's and Kubernetes'
 * timings they are compared with, what each tuned bench timing costs, the median / max / target
 * check of each measure from its raw samples, and the lines printed for them: one runtime's table,
 * a container pass's outcome and the parts of the last line. Pure but for `console.log`.
 */
import { secs, summary } from '../support/cluster-probe.ts';
import type { RuntimeName } from './pass.ts';

/** The target of each measure (ms): (a) scale-out ≤ 3 s, (b) failover ≤ 2 s, (c) dead-server ≤ 1 s. */
export const TARGETS = { scaleOut: 3_000, failover: 2_000, deadServer: 1_000 };

/** What each figure is compared with (ms), and why. */
export const PEERS = {
  scaleOut: {
    source: {
      ms: 10_000,
      note: 'autoscaling period 10 s (a crossing waits up to one period, plus start-up)',
    },
    kubernetes: { ms: 15_000, note: 'HPA sync period 15 s (plus metrics-server resolution and pod start)' },
  },
  failover: {
    source: { ms: 5_000, note: 'followers probe the leader every 5 s' },
    kubernetes: { ms: 15_000, note: 'leader-election lease 15 s' },
  },
  deadServer: {
    source: { ms: 10_000, note: 'alive pool checked every 10 s' },
    kubernetes: { ms: 30_000, note: 'readiness probe 10 s x failureThreshold 3' },
  },
};

/** What each tuned bench timing costs, one sentence a timing. */
export const COSTS = [
  'autoscaling every 500 ms over 1.5 s of samples (source 10 s / 10 s): 20x the metrics-store queries; a 1.5 s window follows short spikes (the High scenario holds, so it does not flap, but bursty real load would want a longer window or the target policy with a scale-down stabilization window)',
  'app samples every 250 ms (source 1 s): 4x the metrics traffic and store rows',
  'leader probe 250 ms, election timeout 250 ms, lease 1 s renewed every 333 ms (source 5 s probe; Kubernetes 15 s lease): 3 registry writes/s for the lease; a leader stalled (GC, CPU starvation) for > 1 s loses leadership',
  'balancer active checks every 500 ms, dead after 2 rechecks, reports every 500 ms (source 10 s / 30 s x 3 / 60 s): more health-check traffic; detection itself comes from passive outlier detection (a failed live request ejects at once), which needs traffic',
];

/** One measure: `summary` of its samples (n, median and max ms), the samples (ms), its target (ms) and whether max ≤ target. */
type Figure = ReturnType<typeof summary> & { samplesMs: number[]; targetMs: number; met: boolean };
/** The figure of each of (a) scale-out, (b) failover, (c) dead-server. */
export type Figures = Record<keyof typeof TARGETS, Figure>;

/** Median, max and target check of each measure from the raw samples (ms). */
export function figuresOf(raw: Record<string, number[]>): Figures {
  const figure = (k: keyof typeof TARGETS): Figure => {
    const s = summary(raw[k] ?? []);
    return {
      ...s,
      samplesMs: raw[k] ?? [],
      targetMs: TARGETS[k],
      met: s.max !== null && s.max <= TARGETS[k],
    };
  };
  return { scaleOut: figure('scaleOut'), failover: figure('failover'), deadServer: figure('deadServer') };
}

const LABELS = [
  ['scaleOut', '(a) scale-out'],
  ['failover', '(b) leader failover'],
  ['deadServer', '(c) dead-server detect'],
] as const;

/** Prints one runtime's table beside the targets and the peers. */
export function printTable(runtimeName: RuntimeName, figures: Figures): void {
  console.log(
    `\n ${`measure (${runtimeName})`.padEnd(24)}median    max       target   source design        Kubernetes`,
  );
  for (const [k, label] of LABELS) {
    const f = figures[k];
    const p = PEERS[k];
    console.log(
      ` ${label.padEnd(24)}${secs(f.median).padEnd(10)}${secs(f.max).padEnd(10)}≤ ${secs(f.targetMs).padEnd(7)}${`${secs(p.source.ms)} (${(p.source.ms / (f.median ?? 1)).toFixed(0)}x)`.padEnd(21)}${secs(p.kubernetes.ms)} (${(p.kubernetes.ms / (f.median ?? 1)).toFixed(0)}x)${f.met ? '' : '  MISSED'}`,
    );
  }
}

/** A container pass's outcome: skipped (with why), failed (with the error) or its figures. */
export type Pass = { skipped: string } | { failed: string } | { image: string; figures: Figures };

/** `<label> <median> median / <max> max (≤ <target> met|MISSED)` for measure `k` of `f` (seconds, 2 decimals). */
export const line = (f: Figures, k: keyof typeof TARGETS, label: string) =>
  `${label} ${secs(f[k].median)} median / ${secs(f[k].max)} max (≤ ${secs(TARGETS[k])} ${f[k].met ? 'met' : 'MISSED'})`;
/** `<median>/<max>[ MISSED]` of (a), (b), (c), comma-separated (seconds). */
const short = (f: Figures) =>
  LABELS.map(([k]) => `${secs(f[k].median)}/${secs(f[k].max)}${f[k].met ? '' : ' MISSED'}`).join(', ');
/** ` | <name> (a, b, c median/max): …` for a pass with figures, else ` | <name>: skipped|FAILED` (for the last line). */
export const passPart = (name: string, p: Pass) =>
  'figures' in p
    ? ` | ${name} (a, b, c median/max): ${short(p.figures)}`
    : ` | ${name}: ${'skipped' in p ? 'skipped' : 'FAILED'}`;
/** Prints a pass's outcome: `<name>: skipped — <why>`, `<name>: FAILED — <error>` or `<name> (<image>): <note>`. */
export const printPass = (name: string, p: Pass, note: string) => {
  if ('skipped' in p) console.log(`\n ${name}: skipped — ${p.skipped}`);
  else if ('failed' in p) console.log(`\n ${name}: FAILED — ${p.failed}`);
  else console.log(`\n ${name} (${p.image}): ${note}`);
};
