/**
 * The autoscaler's per-zone decision, the job of Kubernetes' `podautoscaler` and Knative's KPA: it
 * reads what the zone's policy needs from the metrics store (the threshold rule: CPU over the
 * window; target tracking: every server's CPU, memory, rps, in-flight and p95 over the window; the
 * concurrency policy: the zone's per-second in-flight series over the stable window), asks the
 * policy (all pure) for the desired replica count, and keeps what a decision depends on between
 * periods: each zone's last action (the cooldown), target tracking's history (stabilization
 * windows, step limits), the threshold rule's hysteresis, the KPA's panic state and the zone's
 * `lastActiveAt` (advanced by `activated` and by any second of observed concurrency > 0; seeded
 * with the first period this replica decides the zone, so a new leader waits a full grace before
 * scaling a zone to zero), the latest decision (shown in `/state`) and the reason last recorded as
 * an event (so a hold is recorded once, when the zone enters a notable reason). It computes and
 * remembers, and writes nothing: the leader converges the zone to the decision and records events.
 */
import type { MetricsStore } from '../../adapters/metrics-store.ts';
import type { ContainerRecord, Policy, ZoneDecision, ZoneId } from '../../shared/types.ts';
import {
  type ConcurrencyDecision,
  calmState,
  decideConcurrency,
  type PanicState,
} from './concurrency-policy.ts';
import { NOTABLE_HOLDS, type ScaleDecision } from './scale-decision.ts';
import {
  decideTarget,
  emptyHistory,
  recordAction,
  type ScaleHistory,
  type TargetDecision,
} from './target-policy.ts';
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
  /** The KPA's per-zone panic state and each zone's last request or activation (epoch ms). */
  private readonly panic = new Map<ZoneId, PanicState>();
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
    const d: ScaleDecision & Partial<Pick<TargetDecision, 'metric'> & Pick<ConcurrencyDecision, 'kpa'>> =
      await this.policyDecision(zone, apps, now);
    this.lastDecision.set(zone, {
      ts: now,
      replicas: apps.length,
      desired: d.desired,
      reason: d.reason,
      message: d.message,
      ...(d.metric ? { metric: d.metric } : {}),
      ...(d.kpa ? { kpa: d.kpa } : {}),
    });
    return d;
  }

  /**
   * Notes a request or activation of `zone` at `now` (epoch ms; `POST /activate`, contracts.md §3):
   * the zone's scale-to-zero grace counts from the latest one. Never moves `lastActiveAt` back.
   */
  activated(zone: ZoneId, now: number): void {
    this.lastActive.set(zone, Math.max(now, this.lastActive.get(zone) ?? now));
  }

  /** The zone's last request or activation as this replica knows it (epoch ms), or null. */
  lastActiveAt(zone: ZoneId): number | null {
    return this.lastActive.get(zone) ?? null;
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

  /** The zone's decision under its policy (a pure policy call over what it reads from the store). */
  private async policyDecision(zone: ZoneId, apps: ContainerRecord[], now: number): Promise<ScaleDecision> {
    const policy = this.policyOf(zone);
    switch (policy.kind) {
      case 'threshold': {
        const cpu = await this.metrics.zoneCpu(zone, now - policy.windowMs, now);
        const avgCpu = registeredAverage(cpu.perServer, new Set(apps.map((a) => a.id)));
        const lastActionAt = this.lastActionAt.get(zone) ?? null;
        const history = this.thresholdHistory.get(zone);
        const d = decide({ zone, replicas: apps.length, avgCpu, lastActionAt, history }, policy, now);
        this.thresholdHistory.set(zone, d.history);
        return d;
      }
      case 'target': {
        const m = await this.metrics.zoneMetrics(zone, now - policy.windowMs, now);
        const servers = apps.map((a) => {
          const s = m.perServer[a.id];
          return {
            id: a.id,
            createdAt: a.createdAt,
            cpu: s?.cpu ?? null,
            memoryMb: s?.memoryMb ?? null,
            rps: s?.rps ?? null,
            concurrency: s?.inFlight ?? null,
            p95Ms: s?.p95Ms ?? null,
          };
        });
        const history = this.history.get(zone) ?? emptyHistory();
        const d = decideTarget({ zone, replicas: apps.length, servers, history }, policy, now);
        this.history.set(zone, d.history);
        return d;
      }
      case 'concurrency': {
        // Whole seconds only: the current second's bucket may still miss some servers' samples.
        const until = now - (now % 1_000);
        const series = await this.metrics.zoneConcurrencySeries(zone, until - policy.stableWindowMs, until);
        const busy = series.filter((p) => p.concurrency > 0).at(-1);
        if (!this.lastActive.has(zone)) this.lastActive.set(zone, now);
        if (busy) this.activated(zone, busy.ts + 1_000);
        const d = decideConcurrency(
          {
            zone,
            ready: apps.length,
            series,
            lastActiveAt: this.lastActiveAt(zone),
            panic: this.panic.get(zone) ?? calmState(),
          },
          policy,
          now,
        );
        this.panic.set(zone, d.panic);
        return d;
      }
    }
  }
}
