/**
 * A zone's last autoscaling decision under its policy: the policy kind, the reason and desired
 * count, the metric that drove it (target tracking), and for the concurrency policy the KPA's
 * figures: stable and panic concurrency with the servers each wants, and the panic state (a
 * `panic` tag while panicking). Test ids `zone-decision-<zone>`, `zone-kpa-<zone>`,
 * `zone-panic-<zone>` (`data-panicking` true/false).
 */
import type { Policy, ZoneDecision } from '../../../server/shared/types.ts';

const one = (x: number) => (Math.round(x * 10) / 10).toString();

/** The decision line of one zone (nothing before the first decision is known). */
export function DecisionLine({
  zone,
  policy,
  decision,
}: {
  zone: string;
  policy: Policy;
  decision: ZoneDecision | null;
}) {
  if (!decision) return null;
  const k = decision.kpa;
  return (
    <div className="muted small zone-decision" data-testid={`zone-decision-${zone}`} title={decision.message}>
      <span className="policy-kind">{policy.kind}</span> {decision.reason} → {decision.desired}
      {decision.metric && <> · driven by {decision.metric}</>}
      {k && (
        <span data-testid={`zone-kpa-${zone}`}>
          {' '}
          · stable {one(k.stableConcurrency)} → {k.stableDesired} · panic {one(k.panicConcurrency)} →{' '}
          {k.panicDesired}{' '}
          <span
            className={`tag${k.panicking ? ' tag-bad' : ''}`}
            data-testid={`zone-panic-${zone}`}
            data-panicking={String(k.panicking)}
          >
            {k.panicking ? 'panic' : 'stable'}
          </span>
        </span>
      )}
    </div>
  );
}
