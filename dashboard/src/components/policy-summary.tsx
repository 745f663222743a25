/**
 * One line describing the active autoscaling policy (thresholds, replica bounds, evaluation period
 * and averaging window), so an operator can read the chart's reference lines. Test id `policy`.
 */
import type { Policy } from '../../../server/shared/types.ts';
import { policyCore, seconds } from '../policy-text.ts';

/**
 * `threshold · up > 70 % · down < 20 % · 1–5 replicas · every 10 s over 30 s`, or for target
 * tracking `target 50 % ± 10 % · 1–5 replicas · every 10 s over 30 s` (other kinds: `policy-text.ts`).
 */
export function PolicySummary({ policy }: { policy: Policy }) {
  const core = policy.kind === 'threshold' ? `${policy.kind} · ${policyCore(policy)}` : policyCore(policy);
  return (
    <span className="policy muted" data-testid="policy">
      {core} · {policy.minReplicas}–{policy.maxReplicas} replicas · every {seconds(policy.periodMs)} over{' '}
      {seconds(policy.windowMs)}
    </span>
  );
}
