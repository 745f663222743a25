/**
 * What every leader duty shares: the monitor's settings a duty needs (`LeaderConfig`), the injected
 * I/O (`LeaderDeps`) and, built from both once, the `LeaderContext` the duties run against: the
 * registry, runtime and balancer client with every write guarded by `mayWrite` (`write-guard.ts`),
 * the clock, the health wait, the app-port book (quarantine, per node), event recording, the
 * balancer URL of a zone (as registered), where a new container goes (`placement`: a multi-node
 * runtime's node and address, else this host's advertised address), the environment handed to
 * started containers, and `fenced`, which reports a `StaleTerm`
 * to `onStaleTerm` (the elector steps down) before rethrowing.
 */
import type { MetricsStore } from '../../adapters/metrics-store.ts';
import type { Registry } from '../../adapters/registry.ts';
import { type ContainerRuntime, DEMO_SERVICE, type ServiceSpec } from '../../adapters/runtime.ts';
import { DEFAULT_ADVERTISE_ADDRESS, httpUrl } from '../../shared/advertise.ts';
import { StaleTerm, type ZonescaleError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ContainerRecord, Policy, ZoneId } from '../../shared/types.ts';
import type { BalancerClient } from '../clients/balancer-client.ts';
import { type NewEvent, recordEvent } from './events.ts';
import { balancerPort } from './placement.ts';
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
  /**
   * The address of containers a one-host runtime (process, docker) starts: this monitor's host, as
   * `--advertise-address` names it (default 127.0.0.1). Multi-node runtimes give each node's own.
   */
  advertiseAddress?: string;
}

/** What the leader's health wait probes: `path` (default `/health_check`); gives up early once `alive()` is false. */
export interface HealthWait {
  path?: string;
  alive?: () => Promise<boolean>;
}

/** Where a new container goes: the node a multi-node runtime chose (else none) and the address it answers on. */
export interface Placement {
  node?: string;
  address: string;
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
  /** Whether `port` can be bound on `address` (default 127.0.0.1); true for another host's address. */
  portBindable?: (port: number, address?: string) => Promise<boolean>;
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
  /** Zone -> its balancer's registered URL (a balancer on a swarm node answers on that node's address). */
  private readonly balancerUrls = new Map<ZoneId, string>();
  /** Zones refused for want of a schedulable node, so the refusal is one event, not one a period. */
  private readonly unplaceable = new Set<ZoneId>();

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
    this.ports = new PortBook(this.now, deps.portBindable ?? ((p, a) => portBindable(p, a)));
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

  /** The address one-host runtimes' containers answer on (`LeaderConfig.advertiseAddress`). */
  get address(): string {
    return this.cfg.advertiseAddress ?? DEFAULT_ADVERTISE_ADDRESS;
  }

  /** The zone balancer's URL: the registered one, else this host's address and the zone's port. */
  balancerUrl(zone: ZoneId): string {
    return (
      this.balancerUrls.get(zone) ?? httpUrl(this.address, balancerPort(zone, this.cfg.balancerPortBase))
    );
  }

  /** Notes where `zone`'s balancer answers (from its registry record). */
  noteBalancer(zone: ZoneId, url: string): void {
    this.balancerUrls.set(zone, url);
  }

  /** Reads every balancer's URL from the registry (a new leader, before its first announce). */
  async loadBalancerUrls(): Promise<void> {
    for (const r of await this.registry.containers())
      if (r.role === 'balancer') this.noteBalancer(r.zone, r.url);
  }

  /**
   * Where the next container of `zone` goes: the runtime's choice of node on a multi-node runtime
   * (`ContainerRuntime.place`), else this host. A zone with no schedulable node is refused with
   * one `NoSchedulableNode` event (again only after it was placeable in between) and rethrown.
   * @throws NoSchedulableNode, or what `place` throws.
   */
  async placement(zone: ZoneId, term: number, role: 'app' | 'balancer' = 'app'): Promise<Placement> {
    if (!this.runtime.place) return { address: this.address };
    try {
      const node = await this.runtime.place(zone, role);
      this.unplaceable.delete(zone);
      return { node: node.id, address: node.address };
    } catch (err) {
      if ((err as ZonescaleError).code === 'no_schedulable_node' && !this.unplaceable.has(zone)) {
        this.unplaceable.add(zone);
        await this.event({
          kind: 'reconcile',
          zone,
          reason: 'NoSchedulableNode',
          message: `${zone} has no server placed: ${(err as Error).message}`,
          serverId: null,
          term,
        });
      }
      throw err;
    }
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
