/**
 * The leader's duties, one entry point a duty and one queue for all of them: `leaderElected`
 * (announce to every balancer, a `leader-elected` event), `reconcile` (registry vs runtime),
 * `runPeriod` (orphans removed, `orphans.ts`; then for each zone in order: balancer lifecycle,
 * minimum replicas, push, then the zone autoscaler's decision and the convergence to it) and
 * `report` (dead servers). Every duty is serialized on one queue, so a report and a period never race, and every write carries the
 * leader's term and goes through the write guard: a `StaleTerm` from the registry or a balancer
 * means a newer leader exists, so `onStaleTerm` is called (step down) and the rest of the work is
 * abandoned; a `LeaseLapsed` abandons it too. The decision itself lives in `autoscale/`, the steps
 * in the modules beside this one; the period timer is `duty-loop.ts`.
 */
import { Fenced } from '../../shared/errors.ts';
import type { Policy, ZoneDecision, ZoneId } from '../../shared/types.ts';
import type { ScaleDecision } from '../autoscale/scale-decision.ts';
import { ZoneAutoscaler } from '../autoscale/zone-autoscaler.ts';
import { activateZone } from './activation.ts';
import { announce, ensureBalancer, pushZone } from './balancers.ts';
import { type LeaderConfig, LeaderContext, type LeaderDeps } from './context.ts';
import { removeReportedDead } from './dead-servers.ts';
import { sweepOrphans } from './orphans.ts';
import { reconcile } from './reconcile.ts';
import { ensureMinReplicas, type OnScaled, scaleTo } from './replicas.ts';
import { isStartFailure, ServiceFailedToStart, StartBackedOff } from './service-start.ts';

/** What one zone's autoscaling step decided and did. */
export interface ZoneOutcome {
  zone: ZoneId;
  decision: ScaleDecision | null;
  acted: boolean;
  error?: string;
}

/** Leader duties for one monitor replica. Create once; call `runPeriod(term)` / `report(...)` while leader. */
export class LeaderDuties {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly ctx: LeaderContext;
  private readonly autoscaler: ZoneAutoscaler;
  /** Feeds every scaling action into the autoscaler's cooldown and step limits. */
  private readonly onScaled: OnScaled;
  /** Zones with an activation queued or running (`activate` is idempotent). */
  private readonly activating = new Set<ZoneId>();

  constructor(cfg: LeaderConfig, deps: LeaderDeps) {
    this.ctx = new LeaderContext(cfg, deps);
    this.autoscaler = new ZoneAutoscaler(cfg, deps.metrics);
    this.onScaled = (zone, delta) => this.autoscaler.acted(zone, delta, this.ctx.now());
  }

  /** Runs `fn` after every queued action (one async mutex). */
  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Resolves once every queued action has finished (for a clean stop). */
  idle(): Promise<void> {
    return this.queue.then(() => {});
  }

  /** The policy of `zone`: its override, else the default. */
  policyOf(zone: ZoneId): Policy {
    return this.autoscaler.policyOf(zone);
  }

  /** A request or activation of `zone` at `now` (epoch ms): the scale-to-zero grace counts from it (`POST /activate`). */
  activated(zone: ZoneId, now: number): void {
    this.autoscaler.activated(zone, now);
  }

  /** Each zone's latest autoscaling decision (this replica's, while it leads). */
  decisions(): ReadonlyMap<ZoneId, ZoneDecision> {
    return this.autoscaler.decisions();
  }

  /**
   * A new leader's first writes: announce itself and `term` to every zone balancer at once, then
   * record a leader-elected event.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  async leaderElected(id: number, term: number): Promise<void> {
    const { ctx } = this;
    await this.serialize(async () => {
      await announce(ctx, term);
      await ctx.event({
        kind: 'leader-elected',
        zone: null,
        reason: 'LeaderElected',
        message: `monitor ${id} is the leader for term ${term} (${ctx.cfg.selfUrl})`,
        term,
      });
    }).catch((e) => ctx.fenced(e));
  }

  /**
   * A new leader reconciles the registry (ground truth) with the runtime before its first period
   * (`reconcile.ts`). Returns the change messages.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  reconcile(term: number): Promise<string[]> {
    return this.serialize(() => reconcile(this.ctx, term).catch((err) => this.ctx.fenced(err)));
  }

  /**
   * One period of leader duties: orphans removed (`sweepOrphans`), then for every zone, in order:
   * balancer, minimum replicas, push, autoscale. A failure of the sweep or of a zone (other than a
   * fenced write) is logged and the rest still runs.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists, LeaseLapsed.
   */
  runPeriod(term: number): Promise<ZoneOutcome[]> {
    const { ctx } = this;
    return this.serialize(async () => {
      const out: ZoneOutcome[] = [];
      await sweepOrphans(ctx, term).catch((err) => {
        if (err instanceof Fenced) ctx.fenced(err);
        ctx.log.error({ err }, 'the orphan sweep failed; the next period tries again');
      });
      for (const zone of ctx.cfg.zones) {
        try {
          await ensureBalancer(ctx, zone, term);
          // At --min-replicas 0 nothing is refilled here: a zone at zero stays there until its balancer
          // activates it (POST /activate) or the autoscaler sees requests. A start that failed or backs
          // off still lets the zone's other servers be pushed.
          const startErr = await ensureMinReplicas(
            ctx,
            zone,
            this.policyOf(zone).minReplicas,
            term,
            'scale-up',
            this.onScaled,
          ).then(
            () => null,
            (e) => {
              if (isStartFailure(e)) return e;
              throw e;
            },
          );
          await pushZone(ctx, zone, term);
          if (startErr) throw startErr;
          out.push(await this.autoscale(zone, term));
        } catch (err) {
          if (err instanceof Fenced) ctx.fenced(err);
          if (err instanceof StartBackedOff) ctx.log.debug({ zone, waitMs: err.remainingMs }, err.message);
          else if (err instanceof ServiceFailedToStart) ctx.log.warn({ zone, id: err.serverId }, err.message);
          else ctx.log.error({ err, zone }, 'leader duties failed for the zone');
          out.push({ zone, decision: null, acted: false, error: String((err as Error)?.message ?? err) });
        }
      }
      return out;
    });
  }

  /**
   * A balancer reported `urls` dead in `zone` (`dead-servers.ts`). Returns the removed ids.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  report(zone: ZoneId, urls: string[], term: number): Promise<{ removed: string[] }> {
    const { ctx } = this;
    return this.serialize(async () => {
      try {
        const min = this.policyOf(zone).minReplicas;
        return { removed: await removeReportedDead(ctx, zone, urls, term, min, this.onScaled) };
      } catch (err) {
        return ctx.fenced(err);
      }
    });
  }

  /**
   * A zone balancer holds requests for `zone` (`POST /activate`): tells the autoscaler (its
   * `lastActiveAt`), and when the zone has no app server and none is being started, queues one
   * server's start (`activation.ts`) and answers at once. Idempotent: while the zone is activating
   * or has a server, nothing more is started.
   */
  async activate(
    zone: ZoneId,
    term: number,
  ): Promise<{ zone: ZoneId; state: 'active' | 'activating'; servers: number }> {
    const { ctx } = this;
    this.autoscaler.activated(zone, ctx.now());
    const activating = { zone, state: 'activating' as const, servers: 0 };
    if (this.activating.has(zone)) return activating;
    const n = (await ctx.apps(zone)).length;
    if (n > 0) return { zone, state: 'active', servers: n };
    if (this.activating.has(zone)) return activating;
    this.activating.add(zone);
    this.serialize(() => activateZone(ctx, zone, term, this.onScaled))
      .catch((err) => {
        if (err instanceof Fenced) ctx.fenced(err);
      })
      .catch(() => {})
      .finally(() => this.activating.delete(zone));
    return activating;
  }

  /** Zones with an activation queued or running. */
  activatingZones(): ReadonlySet<ZoneId> {
    return this.activating;
  }

  /** One autoscaling decision for the zone, and the convergence to it (one server at a time). */
  private async autoscale(zone: ZoneId, term: number): Promise<ZoneOutcome> {
    const { ctx, autoscaler } = this;
    const now = ctx.now();
    const apps = await ctx.apps(zone);
    const n = apps.length;
    const d = await autoscaler.decide(zone, apps, now);
    if (d.desired === n) {
      // Record a hold as an event only when the zone enters a notable reason, so the log does not flood.
      if (autoscaler.holdWorthRecording(zone, d)) {
        await ctx.event({
          kind: 'decision',
          zone,
          reason: d.reason,
          message: d.message,
          from: n,
          to: n,
          term,
        });
        ctx.log.info({ zone, reason: d.reason, replicas: n }, d.message);
      }
      autoscaler.entered(zone, d.reason);
      return { zone, decision: d, acted: false };
    }
    autoscaler.entered(zone, d.reason);
    ctx.log.info({ zone, reason: d.reason, replicas: n, desired: d.desired }, d.message);
    return { zone, decision: d, acted: await scaleTo(ctx, zone, apps, d, term, this.onScaled) };
  }
}
