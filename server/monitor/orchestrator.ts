/**
 * The leader's duties, run every period and on every dead-server report: make sure each zone has a
 * healthy balancer (recreated and repopulated from the registry when down) and at least
 * `minReplicas` app servers, push the registry's membership and the leader's address/term to each
 * balancer (idempotent, heals drift), autoscale each zone with the threshold policy, and remove
 * reported dead servers (idempotently) and refill. All I/O goes through the injected registry,
 * runtime, metrics store and balancer client; every action is serialized on one queue so a report
 * and a period never race, and every write carries the leader's term: a `StaleTerm` from the
 * registry or a balancer means a newer leader exists, so `onStaleTerm` is called (step down) and
 * the rest of the work is abandoned. Every action is recorded as a `ClusterEvent` with a reason.
 */
import { randomUUID } from 'node:crypto';
import type { MetricsStore } from '../adapters/metrics-store.ts';
import type { Registry } from '../adapters/registry.ts';
import type { ContainerRuntime } from '../adapters/runtime.ts';
import { StaleTerm } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import type { ClusterEvent, ContainerRecord, Policy, ZoneDecision, ZoneId } from '../shared/types.ts';
import { type BalancerClient, pooledUrls } from './balancer-client.ts';
import {
  balancerId,
  balancerPort,
  freePorts,
  localUrl,
  newestApp,
  nextAppId,
  splitArgs,
} from './placement.ts';
import { portBindable } from './port-probe.ts';
import { decideTarget, emptyHistory, recordAction, type ScaleHistory } from './target-policy.ts';
import { decide, registeredAverage, type ThresholdHistory } from './threshold-policy.ts';
import { guardBalancers, guardRegistry, guardRuntime, LeaseLapsed } from './write-guard.ts';

/**
 * A released app port is handed out again only when no other port is free for this long, ms, so a
 * late or repeated dead-server report for an old URL cannot hit a new server on the same URL.
 */
export const QUARANTINE_MS = 10 * 60_000;

/** What the orchestrator needs of the monitor's configuration. */
export interface OrchestratorConfig {
  /** This monitor's URL, pushed to balancers as their leader. */
  selfUrl: string;
  zones: ZoneId[];
  /** The default autoscaling policy; `zonePolicies` overrides it per zone. */
  policy: Policy;
  zonePolicies?: Partial<Record<ZoneId, Policy>>;
  balancerPortBase: number;
  /** Inclusive app port range. */
  appPorts: readonly [number, number];
  /** Extra flags for balancers / apps, space-separated. */
  balancerArgs: string;
  appArgs: string;
  /** Collector URL handed to app servers. */
  collector: string;
  /** Passed to started containers as ZONESCALE_TOKEN / ZONESCALE_CLUSTER / ZONESCALE_DATA_DIR. */
  token: string;
  cluster: string;
  dataDir: string;
  /** How long a new container may take to answer its health check, ms (default 15 s). */
  startTimeoutMs?: number;
}

/** Injected I/O. `now` (epoch ms), `portBindable` and `waitHealthy` have real defaults. */
export interface OrchestratorDeps {
  registry: Registry;
  runtime: ContainerRuntime;
  metrics: MetricsStore;
  balancers: BalancerClient;
  log: Logger;
  /** Called once when a write is refused with StaleTerm: the caller steps down. */
  onStaleTerm: (err: StaleTerm) => void;
  now?: () => number;
  portBindable?: (port: number) => Promise<boolean>;
  /** Resolves true once `url` answers its health check, false after `timeoutMs`. */
  waitHealthy?: (url: string, timeoutMs: number) => Promise<boolean>;
  /**
   * Whether this replica may write now (leader with a running lease). Every registry, runtime and
   * balancer write is refused with `LeaseLapsed` before it is sent while false. Default: always.
   */
  mayWrite?: () => boolean;
}

/** A scaling decision of either policy: desired replicas, the reason code and a message. */
export interface ScaleDecision {
  desired: number;
  reason: string;
  message: string;
}

/** Reasons of decisions that changed nothing but are worth a `decision` event when a zone enters them. */
export const NOTABLE_HOLDS: ReadonlySet<string> = new Set([
  'ScaleUpStabilized',
  'ScaleDownStabilized',
  'ScaleUpLimit',
  'ScaleDownLimit',
  'AtMaxReplicas',
  'AtMinReplicas',
  'MissingMetricsHold',
  'DesiredWithinTolerance',
  'WithinThresholds',
]);

/** What one zone's autoscaling step decided and did. */
export interface ZoneOutcome {
  zone: ZoneId;
  decision: ScaleDecision | null;
  acted: boolean;
  error?: string;
}

/** Leader duties for one monitor replica. Create once; call `runPeriod(term)` / `report(...)` while leader. */
export class Orchestrator {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lastActionAt = new Map<ZoneId, number>();
  /** Target tracking's per-zone recommendations and actions (stabilization windows, step limits, cooldown). */
  private readonly history = new Map<ZoneId, ScaleHistory>();
  /** The threshold rule's per-zone hysteresis (how long below the band, how many periods above). */
  private readonly thresholdHistory = new Map<ZoneId, ThresholdHistory>();
  /** Each zone's last decision (for the cluster view) and the reason last recorded as an event. */
  private readonly lastDecision = new Map<ZoneId, ZoneDecision>();
  private readonly recordedReason = new Map<ZoneId, string>();
  private readonly deps: OrchestratorDeps;
  /** Port -> epoch ms it was released; such ports are handed out last (see `QUARANTINE_MS`). */
  private readonly released = new Map<number, number>();
  private readonly now: () => number;
  private readonly bindable: (port: number) => Promise<boolean>;
  private readonly waitHealthy: (url: string, timeoutMs: number) => Promise<boolean>;
  private readonly startTimeoutMs: number;

  constructor(
    private readonly cfg: OrchestratorConfig,
    rawDeps: OrchestratorDeps,
  ) {
    const mayWrite = rawDeps.mayWrite ?? (() => true);
    const deps: OrchestratorDeps = {
      ...rawDeps,
      registry: guardRegistry(rawDeps.registry, mayWrite),
      runtime: guardRuntime(rawDeps.runtime, mayWrite),
      balancers: guardBalancers(rawDeps.balancers, mayWrite),
    };
    this.deps = deps;
    this.now = deps.now ?? Date.now;
    this.bindable = deps.portBindable ?? ((p) => portBindable(p));
    this.startTimeoutMs = cfg.startTimeoutMs ?? 15_000;
    this.waitHealthy =
      deps.waitHealthy ??
      (async (url, timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          if (await deps.balancers.health(url)) return true;
          await Bun.sleep(200);
        }
        return false;
      });
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
    return this.cfg.zonePolicies?.[zone] ?? this.cfg.policy;
  }

  /** Each zone's latest autoscaling decision (this replica's, while it leads). */
  decisions(): ReadonlyMap<ZoneId, ZoneDecision> {
    return this.lastDecision;
  }

  /** Calls `onStaleTerm` for a StaleTerm and rethrows everything. */
  private fenced(err: unknown): never {
    if (err instanceof StaleTerm) this.deps.onStaleTerm(err);
    throw err;
  }

  /**
   * A new leader's first writes: announce itself and `term` to every zone balancer at once
   * (`PUT /monitor`, in parallel, so the old leader is fenced off the data plane first; a balancer
   * that does not answer learns it from the next push), then record a leader-elected event.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  async leaderElected(id: number, term: number): Promise<void> {
    await this.serialize(async () => {
      await Promise.all(
        this.cfg.zones.map((zone) =>
          this.deps.balancers
            .putMonitor(this.balancerUrl(zone), { address: this.cfg.selfUrl, term })
            .catch((err) => {
              if (err instanceof StaleTerm || err instanceof LeaseLapsed) throw err;
            }),
        ),
      );
      await this.event({
        kind: 'leader-elected',
        zone: null,
        reason: 'LeaderElected',
        message: `monitor ${id} is the leader for term ${term} (${this.cfg.selfUrl})`,
        term,
      });
    }).catch((e) => this.fenced(e));
  }

  /**
   * A new leader reconciles the registry (ground truth) with the runtime before its first period:
   * containers the runtime holds that the registry does not (orphans, e.g. started by a leader
   * that died before recording them) are stopped and removed (`OrphanRemoved`); app servers the
   * registry holds that are not running are removed and replaced by a new server of the same zone
   * (`MissingReplaced`), so the zone keeps its size; a record whose runtime handle changed is
   * updated (`RuntimeIdUpdated`). Missing balancers are recreated and every balancer repopulated by
   * the period that follows. Each change is a `reconcile` event, and a summary event says what was
   * changed (or that both agree). Returns the change messages.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  reconcile(term: number): Promise<string[]> {
    return this.serialize(async () => {
      const { registry, runtime } = this.deps;
      const changes: string[] = [];
      const note = async (zone: ZoneId | null, reason: string, message: string, serverId: string | null) => {
        changes.push(message);
        await this.event({ kind: 'reconcile', zone, reason, message, serverId, term });
      };
      try {
        const records = await registry.containers();
        const held = await runtime.list();
        const known = new Map(records.map((r) => [r.id, r]));
        for (const c of held) {
          if (known.has(c.id)) continue;
          await runtime.stop(c.id);
          this.released.set(c.port, this.now());
          await note(
            c.zone,
            'OrphanRemoved',
            `removed orphan ${c.role} ${c.id} (port ${c.port}): running but not in the registry`,
            c.id,
          );
        }
        const running = new Map(held.filter((c) => c.running).map((c) => [c.id, c]));
        for (const r of records) {
          const c = running.get(r.id);
          if (c && c.runtimeId !== r.runtimeId) {
            await registry.putContainer({ ...r, runtimeId: c.runtimeId }, term);
            await note(
              r.zone,
              'RuntimeIdUpdated',
              `${r.id}: runtime handle ${r.runtimeId} -> ${c.runtimeId}`,
              r.id,
            );
          }
          if (c || r.role !== 'app') continue;
          await runtime.stop(r.id).catch(() => {});
          this.released.set(r.port, this.now());
          await registry.removeContainer(r.id, term);
          const rec = await this.createApp(r.zone, term);
          await note(
            r.zone,
            'MissingReplaced',
            `${r.id} (${r.url}) was in the registry but not running: removed and replaced by ${rec.id} (${rec.url})`,
            rec.id,
          );
        }
        const summary =
          changes.length === 0
            ? `registry and runtime agree: ${records.length} containers, nothing to change`
            : `reconciled the registry with the runtime: ${changes.length} changes`;
        await this.event({ kind: 'reconcile', zone: null, reason: 'Reconciled', message: summary, term });
      } catch (err) {
        this.fenced(err);
      }
      return changes;
    });
  }

  /**
   * One period of leader duties for every zone, in order: balancer, minimum replicas, push,
   * autoscale. A zone's failure (other than StaleTerm) is logged and the next zone still runs.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  runPeriod(term: number): Promise<ZoneOutcome[]> {
    return this.serialize(async () => {
      const out: ZoneOutcome[] = [];
      for (const zone of this.cfg.zones) {
        try {
          await this.ensureBalancer(zone, term);
          await this.ensureMinReplicas(zone, term, 'scale-up');
          await this.push(zone, term);
          out.push(await this.autoscale(zone, term));
        } catch (err) {
          if (err instanceof StaleTerm) this.fenced(err);
          if (err instanceof LeaseLapsed) throw err;
          this.deps.log.error({ err, zone }, 'leader duties failed for the zone');
          out.push({ zone, decision: null, acted: false, error: String((err as Error)?.message ?? err) });
        }
      }
      return out;
    });
  }

  /**
   * A balancer reported `urls` dead in `zone`: each that is an app of that zone in the registry is
   * stopped, removed and recorded (`remove-dead`, `DeadServerReported`); then the zone is refilled
   * to `minReplicas` (`replace`, `BelowMinReplicas`) and pushed. Unknown or already removed URLs are
   * no-ops, so a repeated report removes once. Returns the removed ids.
   * @throws StaleTerm (after calling `onStaleTerm`) when a newer leader exists.
   */
  report(zone: ZoneId, urls: string[], term: number): Promise<{ removed: string[] }> {
    return this.serialize(async () => {
      const removed: string[] = [];
      try {
        const apps = (await this.deps.registry.containers(zone)).filter((r) => r.role === 'app');
        for (const url of new Set(urls.map(normalizeUrl))) {
          const rec = apps.find((a) => a.url === url);
          if (!rec) continue;
          await this.deps.runtime.stop(rec.id);
          this.released.set(rec.port, this.now());
          if (!(await this.deps.registry.removeContainer(rec.id, term))) continue;
          removed.push(rec.id);
          await this.event({
            kind: 'remove-dead',
            zone,
            reason: 'DeadServerReported',
            message: `${rec.id} (${rec.url}) reported dead by the ${zone} balancer: removed`,
            serverId: rec.id,
            term,
          });
        }
        if (removed.length > 0) {
          await this.ensureMinReplicas(zone, term, 'replace');
          await this.push(zone, term).catch((err) => {
            if (err instanceof StaleTerm || err instanceof LeaseLapsed) throw err;
            this.deps.log.warn({ err, zone }, 'push after report failed; the next period retries');
          });
        }
      } catch (err) {
        this.fenced(err);
      }
      return { removed };
    });
  }

  private async event(
    e: Omit<ClusterEvent, 'id' | 'ts' | 'from' | 'to' | 'serverId'> &
      Partial<Pick<ClusterEvent, 'from' | 'to' | 'serverId'>>,
  ): Promise<void> {
    const ev: ClusterEvent = { id: randomUUID(), ts: this.now(), from: null, to: null, serverId: null, ...e };
    await this.deps.registry.appendEvent(ev, e.term);
    this.deps.log.info(
      { event: ev.kind, reason: ev.reason, zone: ev.zone, serverId: ev.serverId, term: ev.term },
      ev.message,
    );
  }

  private balancerUrl(zone: ZoneId): string {
    return localUrl(balancerPort(zone, this.cfg.balancerPortBase));
  }

  private env(): Record<string, string> {
    return {
      ZONESCALE_TOKEN: this.cfg.token,
      ZONESCALE_CLUSTER: this.cfg.cluster,
      ZONESCALE_DATA_DIR: this.cfg.dataDir,
    };
  }

  /** Makes sure the zone's balancer is registered, running and answering; (re)starts it otherwise. */
  private async ensureBalancer(zone: ZoneId, term: number): Promise<void> {
    const { registry, runtime, balancers } = this.deps;
    const id = balancerId(zone);
    const port = balancerPort(zone, this.cfg.balancerPortBase);
    const url = localUrl(port);
    const rec = await registry.container(id);
    const held = (await runtime.list()).find((c) => c.id === id);
    if (rec && rec.port === port && held?.running) {
      if ((await balancers.health(url)) || (await Bun.sleep(300).then(() => balancers.health(url)))) return;
    }
    const reason = rec ? 'BalancerDown' : 'ZoneBootstrap';
    const apps = (await registry.containers(zone)).filter((r) => r.role === 'app').map((r) => r.url);
    const args = ['--zone', zone, '--port', String(port), '--id', id, '--monitor', this.cfg.selfUrl];
    if (apps.length > 0) args.push('--servers', apps.join(','));
    args.push(...splitArgs(this.cfg.balancerArgs));
    const started = await runtime.start({ id, role: 'balancer', zone, port, args, env: this.env() });
    await registry.putContainer(
      { id, role: 'balancer', zone, url, port, runtimeId: started.runtimeId, createdAt: this.now() },
      term,
    );
    const healthy = await this.waitHealthy(url, this.startTimeoutMs);
    await this.event({
      kind: 'balancer-created',
      zone,
      reason,
      message: `${reason === 'ZoneBootstrap' ? 'created' : 'recreated'} the ${zone} balancer on ${url} with ${apps.length} servers from the registry${healthy ? '' : ' (not answering yet)'}`,
      serverId: id,
      term,
    });
  }

  /** Adds app servers until the zone has `minReplicas`, recording each as `kind`. */
  private async ensureMinReplicas(zone: ZoneId, term: number, kind: 'scale-up' | 'replace'): Promise<void> {
    for (;;) {
      const n = (await this.deps.registry.containers(zone)).filter((r) => r.role === 'app').length;
      const min = this.policyOf(zone).minReplicas;
      if (n >= min) return;
      const rec = await this.createApp(zone, term);
      this.acted(zone, 1);
      await this.event({
        kind,
        zone,
        reason: 'BelowMinReplicas',
        message: `${zone} had ${n} replicas, below the minimum ${min}: added ${rec.id} (${n} -> ${n + 1} replicas)`,
        from: n,
        to: n + 1,
        serverId: rec.id,
        term,
      });
    }
  }

  /**
   * Starts a new app server of `zone`: next id (never one in the registry, the runtime or recent events), lowest free bindable port (recently released ports last), registry first (ground
   * truth), then waits for its health check and adds it to the balancer.
   * @throws Error when no port is free or it never answers (it is then stopped and removed).
   */
  private async createApp(zone: ZoneId, term: number): Promise<ContainerRecord> {
    const { registry, runtime, balancers } = this.deps;
    const records = await registry.containers();
    const held = await runtime.list();
    // Ids named by recent events count as used too, so the event history never names two servers alike.
    const recent = (await registry.events(500)).map((e) => e.serverId ?? '');
    const id = nextAppId(zone, [...records.map((r) => r.id), ...held.map((c) => c.id), ...recent]);
    const taken = new Set([...records.map((r) => r.port), ...held.map((c) => c.port)]);
    for (const z of this.cfg.zones) taken.add(balancerPort(z, this.cfg.balancerPortBase));
    let port: number | null = null;
    const now = this.now();
    const quarantined = (p: number) => now - (this.released.get(p) ?? -Infinity) < QUARANTINE_MS;
    const candidates = freePorts(this.cfg.appPorts, taken);
    for (const p of [...candidates.filter((p) => !quarantined(p)), ...candidates.filter(quarantined)]) {
      if (await this.bindable(p)) {
        port = p;
        break;
      }
    }
    if (port === null) throw new Error(`no free app port in ${this.cfg.appPorts[0]}-${this.cfg.appPorts[1]}`);
    const url = localUrl(port);
    const args = [
      '--id',
      id,
      '--zone',
      zone,
      '--port',
      String(port),
      '--collector',
      this.cfg.collector,
      ...splitArgs(this.cfg.appArgs),
    ];
    const started = await runtime.start({ id, role: 'app', zone, port, args, env: this.env() });
    const rec: ContainerRecord = {
      id,
      role: 'app',
      zone,
      url,
      port,
      runtimeId: started.runtimeId,
      createdAt: this.now(),
    };
    try {
      await registry.putContainer(rec, term);
    } catch (err) {
      await runtime.stop(id).catch(() => {});
      throw err;
    }
    if (!(await this.waitHealthy(url, this.startTimeoutMs))) {
      await runtime.stop(id).catch(() => {});
      this.released.set(port, this.now());
      await registry.removeContainer(id, term);
      await this.event({
        kind: 'reconcile',
        zone,
        reason: 'StartFailed',
        message: `${id} did not answer its health check on ${url} within ${this.startTimeoutMs} ms: stopped and removed`,
        serverId: id,
        term,
      });
      throw new Error(`${id} did not answer its health check within ${this.startTimeoutMs} ms`);
    }
    await balancers.putServers(this.balancerUrl(zone), { add: [url], term }).catch((err) => {
      if (err instanceof StaleTerm || err instanceof LeaseLapsed) throw err;
      this.deps.log.warn(
        { err, zone, id },
        'could not add the new server to the balancer; the next push retries',
      );
    });
    return rec;
  }

  /** Pushes the leader address/term and the registry's membership (as a diff) to the zone balancer. */
  private async push(zone: ZoneId, term: number): Promise<void> {
    const { registry, balancers } = this.deps;
    const url = this.balancerUrl(zone);
    const pools = await balancers.pools(url);
    if (!pools) return;
    const apps = (await registry.containers(zone)).filter((r) => r.role === 'app').map((r) => r.url);
    const held = new Set(pooledUrls(pools).map(normalizeUrl));
    const add = apps.filter((u) => !held.has(u));
    const remove = [...held].filter((u) => !apps.includes(u));
    if (pools.monitor !== this.cfg.selfUrl || pools.term !== term)
      await balancers.putMonitor(url, { address: this.cfg.selfUrl, term });
    if (add.length > 0 || remove.length > 0) await balancers.putServers(url, { add, remove, term });
  }

  /** The zone's decision under its policy (pure policy call; no writes). */
  private async decideZone(zone: ZoneId, apps: ContainerRecord[], now: number): Promise<ScaleDecision> {
    const policy = this.policyOf(zone);
    const cpu = await this.deps.metrics.zoneCpu(zone, now - policy.windowMs, now);
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

  /** One autoscaling decision for the zone, and the actions it asks for (one server at a time). */
  private async autoscale(zone: ZoneId, term: number): Promise<ZoneOutcome> {
    const { registry, runtime, balancers, log } = this.deps;
    const now = this.now();
    const apps = (await registry.containers(zone)).filter((r) => r.role === 'app');
    const n = apps.length;
    const d = await this.decideZone(zone, apps, now);
    this.lastDecision.set(zone, {
      ts: now,
      replicas: n,
      desired: d.desired,
      reason: d.reason,
      message: d.message,
    });
    if (d.desired === n) {
      // Record a hold as an event only when the zone enters a notable reason, so the log does not flood.
      if (this.recordedReason.get(zone) !== d.reason && NOTABLE_HOLDS.has(d.reason)) {
        await this.event({
          kind: 'decision',
          zone,
          reason: d.reason,
          message: d.message,
          from: n,
          to: n,
          term,
        });
        log.info({ zone, reason: d.reason, replicas: n }, d.message);
      }
      this.recordedReason.set(zone, d.reason);
      return { zone, decision: d, acted: false };
    }
    this.recordedReason.set(zone, d.reason);
    log.info({ zone, reason: d.reason, replicas: n, desired: d.desired }, d.message);
    let count = n;
    if (d.desired > n) {
      for (; count < d.desired; count++) {
        const rec = await this.createApp(zone, term);
        this.acted(zone, 1);
        await this.event({
          kind: 'scale-up',
          zone,
          reason: d.reason,
          message: d.message,
          from: count,
          to: count + 1,
          serverId: rec.id,
          term,
        });
      }
      return { zone, decision: d, acted: true };
    }
    const victims = [...apps];
    for (; count > d.desired; count--) {
      const victim = newestApp(victims);
      if (!victim) break;
      victims.splice(victims.indexOf(victim), 1);
      await balancers.putServers(this.balancerUrl(zone), { remove: [victim.url], term }).catch((err) => {
        if (err instanceof StaleTerm || err instanceof LeaseLapsed) throw err;
        log.warn({ err, zone }, 'could not drain the server from the balancer; the next push removes it');
      });
      await runtime.stop(victim.id);
      this.released.set(victim.port, this.now());
      await registry.removeContainer(victim.id, term);
      this.acted(zone, -1);
      await this.event({
        kind: 'scale-down',
        zone,
        reason: d.reason,
        message: `${d.message} (removed the newest, ${victim.id})`,
        from: count,
        to: count - 1,
        serverId: victim.id,
        term,
      });
    }
    return { zone, decision: d, acted: count !== n };
  }

  /** Records a scaling action of `delta` replicas now (cooldown, step limits). */
  private acted(zone: ZoneId, delta: number): void {
    const t = this.now();
    this.lastActionAt.set(zone, t);
    this.history.set(zone, recordAction(this.history.get(zone) ?? emptyHistory(), t, delta));
  }
}

/** `http://127.0.0.1:9101/` -> `http://127.0.0.1:9101`; leaves non-URLs as they are. */
export function normalizeUrl(u: string): string {
  try {
    return new URL(u).origin;
  } catch {
    return u;
  }
}
