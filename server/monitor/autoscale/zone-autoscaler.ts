/**
 * The autoscaler's per-zone decision, the job of Kubernetes' `podautoscaler`: it reads a zone's CPU
 * over the policy's window from the metrics store, asks the zone's policy (threshold or target
 * tracking, both pure) for the desired replica count, and keeps what a decision depends on between
 * periods: each zone's last action (the cooldown), target tracking's history (stabilization windows,
 * step limits), the threshold rule's hysteresis, the latest decision (shown in `/state`) and the reason last recorded as an event
 * (so a hold is recorded once, when the zone enters a notable reason). It computes and remembers,
 * and writes nothing: the leader converges the zone to the decision and records the events.
 */
import type { MetricsStore } from '../../adapters/metrics-store.ts';
import type { ContainerRecord, Policy, ZoneDecision, ZoneId } from '../../shared/types.ts';
import { NOTABLE_HOLDS, type ScaleDecision } from './scale-decision.ts';
import { decideTarget, emptyHistory, recordAction, type ScaleHistory } from './target-policy.ts';
import { decide, registeredAverage, type ThresholdHistory } from './threshold-policy.ts';

/** The default policy and the per-zone overrides. */
export interface AutoscalePolicies {
  policy: Policy;
  zonePolicies?: Partial<Record<ZoneId, Policy>>;
}

/** Per-zone autoscaling decisions and their memory. Create once per monitor replica. */
export class ZoneAutoscaler {
  private readonly lastActionAt = new Map<ZoneId, number>();
  /** Target tracking's per-zone recommendations and actions (stabilization windows, step limits, cooldown). */
  private readonly history = new Map<ZoneId, ScaleHistory>();
  /** The threshold rule's per-zone hysteresis (how long below the band, how many periods above). */
  private readonly thresholdHistory = new Map<ZoneId, ThresholdHistory>();
  /** Each zone's last decision (for the cluster view) and the reason last recorded as an event. */
  private readonly lastDecision = new Map<ZoneId, ZoneDecision>();
  private readonly recordedReason = new Map<ZoneId, string>();
  /** Epoch ms of each zone's last request or activation (Knative's scale-to-zero grace counts from it). */
  private readonly lastActive = new Map<ZoneId, number>();

  constructor(
    private readonly policies: AutoscalePolicies,
    private readonly metrics: MetricsStore,
  ) {}

  /** The policy of `zone`: its override, else the default. */
  policyOf(zone: ZoneId): Policy {
    return this.policies.zonePolicies?.[zone] ?? this.policies.policy;
  }

  /** Each zone's latest decision (this replica's, while it leads). */
  decisions(): ReadonlyMap<ZoneId, ZoneDecision> {
    return this.lastDecision;
  }

  /**
   * Decides `zone` at `now` (epoch ms) for its registered app servers `apps` under its policy and
   * keeps the decision as the zone's latest. Reads the metrics store; writes nothing.
   */
  async decide(zone: ZoneId, apps: ContainerRecord[], now: number): Promise<ScaleDecision> {
    const d = await this.policyDecision(zone, apps, now);
    this.lastDecision.set(zone, {
      ts: now,
      replicas: apps.length,
      desired: d.desired,
      reason: d.reason,
      message: d.message,
    });
    return d;
  }

  /** Whether a decision that changes nothing is worth a `decision` event: the zone enters a notable reason. */
  holdWorthRecording(zone: ZoneId, d: ScaleDecision): boolean {
    return this.recordedReason.get(zone) !== d.reason && NOTABLE_HOLDS.has(d.reason);
  }

  /** Notes `reason` as the zone's current one (call once the decision's event, if any, is recorded). */
  entered(zone: ZoneId, reason: string): void {
    this.recordedReason.set(zone, reason);
  }

  /** Records a scaling action of `delta` replicas at `t` (epoch ms): the cooldown and the step limits count from it. */
  acted(zone: ZoneId, delta: number, t: number): void {
    this.lastActionAt.set(zone, t);
    this.history.set(zone, recordAction(this.history.get(zone) ?? emptyHistory(), t, delta));
  }

  /**
   * A request reached `zone` at zero and the leader activates it (`POST /activate`) at `now` (epoch
   * ms): records it as the zone's last activity, so a scale-to-zero grace period starts again.
   */
  activated(zone: ZoneId, now: number): void {
    if (now > (this.lastActive.get(zone) ?? Number.NEGATIVE_INFINITY)) this.lastActive.set(zone, now);
  }

  /** Epoch ms of the zone's last recorded activity, null when never. */
  lastActiveAt(zone: ZoneId): number | null {
    return this.lastActive.get(zone) ?? null;
  }

  /** The zone's decision under its policy (pure policy call over the window's CPU). */
  private async policyDecision(zone: ZoneId, apps: ContainerRecord[], now: number): Promise<ScaleDecision> {
    const policy = this.policyOf(zone);
    const cpu = await this.metrics.zoneCpu(zone, now - policy.windowMs, now);
    switch (policy.kind) {
      case 'threshold': {
        const avgCpu = registeredAverage(cpu.perServer, new Set(apps.map((a) => a.id)));
        const lastActionAt = this.lastActionAt.get(zone) ?? null;
        const history = this.thresholdHistory.get(zone);
        const d = decide({ zone, replicas: apps.length, avgCpu, lastActionAt, history }, policy, now);
        this.thresholdHistory.set(zone, d.history);
        return d;
      }
      case 'target': {
        const d = decideTarget(
          {
            zone,
            replicas: apps.length,
            servers: apps.map((a) => ({
              id: a.id,
              createdAt: a.createdAt,
              cpu: cpu.perServer[a.id] ?? null,
            })),
            history: this.history.get(zone) ?? emptyHistory(),
          },
          policy,
          now,
        );
        this.history.set(zone, d.history);
        return d;
      }
    }
  }
}
