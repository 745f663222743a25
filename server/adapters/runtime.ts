/**
 * The container-runtime capability: starts and stops app servers and zone balancers. Real adapter:
 * Docker (`adapters/docker`, host networking, labels); embedded default: local processes
 * (`adapters/process`, Bun.spawn); multi-node: Docker Swarm services (`adapters/swarm`); fake:
 * `runtime-memory.ts`. Every container carries the labels (role, zone, cluster id), so `list()`
 * lets a new leader recover the real state after a failover. A multi-node runtime also has `place`:
 * the node (and its routable address) the next container of a zone goes on. An app server runs a
 * service (`ServiceSpec`): the user's command (process runtime, by a shell) or image (Docker
 * runtime); with neither it is zonescale's demo app (`bun server/main.ts app`).
 */
import type { ContainerRole, ZoneId } from '../shared/types.ts';

/**
 * The service an app server runs (contracts.md section 4). `command` is run by `/bin/sh -c` with the
 * port zonescale chose in `$PORT` (and in `portVariable` when another name is given); `image` is a
 * Docker image (its own entry point, or `command` / `args` instead of its CMD). Neither = the demo
 * app. `healthPath` is what the leader and the balancer probe (`GET`, a 2xx is healthy) every
 * `healthIntervalMs` (undefined = the balancer's own `--check-interval-ms`); the first probe waits
 * `readinessDelayMs` after the start (Kubernetes' `initialDelaySeconds`).
 */
export interface ServiceSpec {
  command?: string;
  image?: string;
  args?: string[];
  env: Record<string, string>;
  /** Extra environment name carrying the port besides `PORT` (default none). */
  portVariable?: string;
  healthPath: string;
  healthIntervalMs?: number;
  readinessDelayMs: number;
}

/** The demo app as a service: zonescale's own app server, health-checked on `/health_check`. */
export const DEMO_SERVICE: ServiceSpec = { env: {}, healthPath: '/health_check', readinessDelayMs: 0 };

/** Whether `s` is the user's own service (a command or an image), not the demo app. */
export function isForeignService(s: ServiceSpec | undefined): s is ServiceSpec {
  return s !== undefined && (s.command !== undefined || s.image !== undefined);
}

/** The environment a service gets for its port: `PORT` and, when named, `portVariable`. */
export function portEnv(s: ServiceSpec, port: number): Record<string, string> {
  const env: Record<string, string> = { PORT: String(port) };
  if (s.portVariable) env[s.portVariable] = String(port);
  return env;
}

/**
 * What to start: `args` are the flags after `bun server/main.ts <role>` (the demo app and
 * balancers); `service` (role `app` only) is the user's service instead, run with `env` too.
 */
export interface ContainerSpec {
  id: string;
  role: ContainerRole;
  zone: ZoneId;
  port: number;
  args: string[];
  env: Record<string, string>;
  service?: ServiceSpec;
  /** Multi-node runtimes: the node id `place` chose; the runtime pins the container there. */
  node?: string;
}

/** A node a multi-node runtime places containers on: its id and the address its servers answer on. */
export interface RuntimeNode {
  id: string;
  /** Routable address (IP) of the node, e.g. `10.0.0.12`; servers there listen and are reached on it. */
  address: string;
}

/** A container the runtime holds, running or not. `runtimeId` is a pid or Docker container id. */
export interface RuntimeContainer {
  id: string;
  role: ContainerRole;
  zone: ZoneId;
  port: number;
  runtimeId: string;
  running: boolean;
  /** Epoch ms. */
  startedAt: number;
  /** Multi-node runtimes: the node it runs on and that node's routable address. */
  node?: string;
  address?: string;
}

export interface ContainerRuntime {
  /** Starts a container; resolves once the runtime has started it (not once it answers HTTP). */
  start(spec: ContainerSpec): Promise<RuntimeContainer>;
  /** Stops and removes a container; an unknown id is a no-op. Resolves when it is gone. */
  stop(id: string): Promise<void>;
  /** Every container of this cluster the runtime holds. */
  list(): Promise<RuntimeContainer[]>;
  /** The last `lines` lines of the container's output ('' when none or unknown id). */
  logTail?(id: string, lines: number): Promise<string>;
  /**
   * Multi-node runtimes only: the node the next container of `zone` and `role` (default app) goes
   * on (spread over the zone's schedulable nodes). @throws NoSchedulableNode when the zone has none.
   */
  place?(zone: ZoneId, role?: ContainerRole): Promise<RuntimeNode>;
  /** Start-up check of a runtime that needs one (swarm): resolves with warnings to log. @throws BadConfig */
  check?(zones: readonly ZoneId[]): Promise<string[]>;
}
