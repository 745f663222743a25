/**
 * The container-runtime capability: starts and stops app servers and zone balancers. Real adapter:
 * Docker (`adapters/docker`, host networking, labels); embedded default: local processes
 * (`adapters/process`, Bun.spawn); multi-node: Docker Swarm services (`adapters/swarm`); fake:
 * `runtime-memory.ts`. Every container carries the labels (role, zone, cluster id), so `list()`
 * lets a new leader recover the real state after a failover. A multi-node runtime also has `place`:
 * the node (and its routable address) the next container of a zone goes on.
 */
import type { ContainerRole, ZoneId } from '../shared/types.ts';

/** What to start: `args` are the flags after `bun server/main.ts <role>`. */
export interface ContainerSpec {
  id: string;
  role: ContainerRole;
  zone: ZoneId;
  port: number;
  args: string[];
  env: Record<string, string>;
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
  /**
   * Multi-node runtimes only: the node the next container of `zone` and `role` (default app) goes
   * on (spread over the zone's schedulable nodes). @throws NoSchedulableNode when the zone has none.
   */
  place?(zone: ZoneId, role?: ContainerRole): Promise<RuntimeNode>;
  /** Start-up check of a runtime that needs one (swarm): resolves with warnings to log. @throws BadConfig */
  check?(zones: readonly ZoneId[]): Promise<string[]>;
}
