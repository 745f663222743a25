/**
 * One line describing the active autoscaling policy (thresholds, replica bounds, evaluation period
 * and averaging window), so an operator can read the chart's reference lines. Test id `policy`.
 */
import type { Policy } from '../../../server/shared/types.ts';

/**
 * `threshold · up > 70 % · down < 20 % · 1–5 replicas · every 10 s over 30 s`, or for target
 * tracking `target 50 % ± 10 % · 1–5 replicas · every 10 s over 30 s`.
 */
export function PolicySummary({ policy }: { policy: Policy }) {
  const s = (ms: number) => `${ms % 1000 === 0 ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
  return (
    <span className="policy muted" data-testid="policy">
      {policy.kind === 'target' ? (
        <>
          target {policy.target} % ± {Math.round(policy.tolerance * 100)} %
        </>
      ) : (
        <>
          {policy.kind} · up &gt; {policy.highCpu} % · down &lt; {policy.lowCpu} %
        </>
      )}{' '}
      · {policy.minReplicas}–{policy.maxReplicas} replicas · every {s(policy.periodMs)} over{' '}
      {s(policy.windowMs)}
    </span>
  );
}
