/**
 * The container-runtime capability: starts and stops app servers and zone balancers. Real adapter:
 * Docker (`adapters/docker`, host networking, labels); embedded default: local processes
 * (`adapters/process`, Bun.spawn); fake: `runtime-memory.ts`. Every container carries the labels
 * (role, zone, cluster id), so `list()` lets a new leader recover the real state after a failover.
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
}

export interface ContainerRuntime {
  /** Starts a container; resolves once the runtime has started it (not once it answers HTTP). */
  start(spec: ContainerSpec): Promise<RuntimeContainer>;
  /** Stops and removes a container; an unknown id is a no-op. Resolves when it is gone. */
  stop(id: string): Promise<void>;
  /** Every container of this cluster the runtime holds. */
  list(): Promise<RuntimeContainer[]>;
}
