/**
 * What every leader duty shares: the monitor's settings a duty needs (`LeaderConfig`), the injected
 * I/O (`LeaderDeps`) and, built from both once, the `LeaderContext` the duties run against: the
 * registry, runtime and balancer client with every write guarded by `mayWrite` (`write-guard.ts`),
 * the clock, the health wait, the app-port book (quarantine), event recording, the balancer URL of
 * a zone, the environment handed to started containers, and `fenced`, which reports a `StaleTerm`
 * to `onStaleTerm` (the elector steps down) before rethrowing.
 */
import type { MetricsStore } from '../../adapters/metrics-store.ts';
import type { Registry } from '../../adapters/registry.ts';
import { type ContainerRuntime, DEMO_SERVICE, type ServiceSpec } from '../../adapters/runtime.ts';
import { StaleTerm } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ContainerRecord, Policy, ZoneId } from '../../shared/types.ts';
import type { BalancerClient } from '../clients/balancer-client.ts';
import { type NewEvent, recordEvent } from './events.ts';
import { balancerPort, localUrl } from './placement.ts';
import { portBindable } from './port-probe.ts';
import { PortBook } from './ports.ts';
import { StartBackoff } from './start-backoff.ts';
import { guardBalancers, guardRegistry, guardRuntime } from './write-guard.ts';

/** What the leader's duties need of the monitor's configuration. */
export interface LeaderConfig {
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
  /** The service every app server runs (default `DEMO_SERVICE`, the demo app). */
  service?: ServiceSpec;
  /** Back-off after a failed app-server start: first delay and cap, ms (default 2 s, 60 s). */
  startBackoff?: { baseMs: number; capMs: number };
}

/** What the leader's health wait probes: `path` (default `/health_check`); gives up early once `alive()` is false. */
export interface HealthWait {
  path?: string;
  alive?: () => Promise<boolean>;
}

/** Injected I/O. `now` (epoch ms), `portBindable` and `waitHealthy` have real defaults. */
export interface LeaderDeps {
  registry: Registry;
  runtime: ContainerRuntime;
  metrics: MetricsStore;
  balancers: BalancerClient;
  log: Logger;
  /** Called once when a write is refused with StaleTerm: the caller steps down. */
  onStaleTerm: (err: StaleTerm) => void;
  now?: () => number;
  portBindable?: (port: number) => Promise<boolean>;
  /** Resolves true once `url` answers its health check, false after `timeoutMs` (or once `wait.alive()` is false). */
  waitHealthy?: (url: string, timeoutMs: number, wait?: HealthWait) => Promise<boolean>;
  /**
   * Whether this replica may write now (leader with a running lease). Every registry, runtime and
   * balancer write is refused with `LeaseLapsed` before it is sent while false. Default: always.
   */
  mayWrite?: () => boolean;
}

/** The guarded I/O and shared helpers of the leader's duties. Built once per `LeaderDuties`. */
export class LeaderContext {
  readonly registry: Registry;
  readonly runtime: ContainerRuntime;
  readonly balancers: BalancerClient;
  readonly metrics: MetricsStore;
  readonly log: Logger;
  readonly now: () => number;
  readonly waitHealthy: (url: string, timeoutMs: number, wait?: HealthWait) => Promise<boolean>;
  readonly startTimeoutMs: number;
  /** The service every app server runs. */
  readonly service: ServiceSpec;
  /** Per-zone back-off of app-server starts after a failure. */
  readonly backoff: StartBackoff;
  /** App ports released by this leader, handed out last (see `QUARANTINE_MS`). */
  readonly ports: PortBook;
  private readonly onStaleTerm: (err: StaleTerm) => void;

  constructor(
    readonly cfg: LeaderConfig,
    deps: LeaderDeps,
  ) {
    const mayWrite = deps.mayWrite ?? (() => true);
    this.registry = guardRegistry(deps.registry, mayWrite);
    this.runtime = guardRuntime(deps.runtime, mayWrite);
    const balancers = guardBalancers(deps.balancers, mayWrite);
    this.balancers = balancers;
    this.metrics = deps.metrics;
    this.log = deps.log;
    this.onStaleTerm = deps.onStaleTerm;
    this.now = deps.now ?? Date.now;
    this.ports = new PortBook(this.now, deps.portBindable ?? ((p) => portBindable(p)));
    this.startTimeoutMs = cfg.startTimeoutMs ?? 15_000;
    this.service = cfg.service ?? DEMO_SERVICE;
    this.backoff = new StartBackoff(cfg.startBackoff?.baseMs, cfg.startBackoff?.capMs);
    this.waitHealthy =
      deps.waitHealthy ??
      (async (url, timeoutMs, wait = {}) => {
        const deadline = Date.now() + timeoutMs;
        while (Date.now() < deadline) {
          if (await balancers.health(url, wait.path)) return true;
          if (wait.alive && !(await wait.alive())) return false;
          await Bun.sleep(200);
        }
        return false;
      });
  }

  /** Calls `onStaleTerm` for a StaleTerm and rethrows everything. @throws `err` */
  fenced(err: unknown): never {
    if (err instanceof StaleTerm) this.onStaleTerm(err);
    throw err;
  }

  /** Appends `e` to the registry's event log (with the term; a write) and logs it. */
  event(e: NewEvent): Promise<void> {
    return recordEvent(this.registry, this.log, this.now(), e);
  }

  /** The zone balancer's URL (its port is placed from the zone's number). */
  balancerUrl(zone: ZoneId): string {
    return localUrl(balancerPort(zone, this.cfg.balancerPortBase));
  }

  /** The registered app servers of `zone`. */
  async apps(zone: ZoneId): Promise<ContainerRecord[]> {
    return (await this.registry.containers(zone)).filter((r) => r.role === 'app');
  }

  /** The environment every started container gets (token, cluster, data dir). */
  env(): Record<string, string> {
    return {
      ZONESCALE_TOKEN: this.cfg.token,
      ZONESCALE_CLUSTER: this.cfg.cluster,
      ZONESCALE_DATA_DIR: this.cfg.dataDir,
    };
  }
}
