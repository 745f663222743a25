/**
 * The host agent's loop, one `tick()` a sampling interval: list the app servers the runtime holds
 * on this host (running ones only; balancers are not servers of a zone and would skew its CPU),
 * read each one's usage (`UsageReader`), and publish one `Sample` with `source: 'agent'` per server
 * that has a previous reading of the same process or container (`runtimeId`): CPU in % of one
 * core over the wall time between the two readings, memory in MB. A server's first reading, or
 * its first after a restart under a new `runtimeId`, gives no sample. `healthy` means the runtime
 * reports it running (the agent has no view of the service's own health check).
 */
import type { MetricsPublisher } from '../adapters/metrics-bus.ts';
import type { ContainerRuntime } from '../adapters/runtime.ts';
import type { Logger } from '../shared/logger.ts';
import type { Sample } from '../shared/types.ts';
import type { UsageReader } from './reader.ts';
import { cpuPercent, type UsageReading } from './usage.ts';

/** Dependencies of `HostAgent`. */
export interface HostAgentDeps {
  runtime: Pick<ContainerRuntime, 'list'>;
  reader: UsageReader;
  publisher: MetricsPublisher;
  /** Epoch ms, the samples' `ts`; default `Date.now`. */
  now?: () => number;
  logger?: Logger;
}

/** What the agent reports on `/health_check`. */
export interface AgentStats {
  /** Ticks completed since start. */
  ticks: number;
  /** Samples published since start. */
  published: number;
  /** App servers sampled at the last tick. */
  servers: number;
  /** Epoch ms of the last completed tick, or null. */
  lastTickAt: number | null;
  /** Ticks that failed (the runtime could not list its containers). */
  failedTicks: number;
}

/** Bytes in one MB (MiB, as the app's own `memoryMb` counts them). */
const MB = 1024 * 1024;

/** The sampling loop's state: the previous reading of every server; see the module comment. */
export class HostAgent {
  readonly stats: AgentStats = { ticks: 0, published: 0, servers: 0, lastTickAt: null, failedTicks: 0 };
  private previous = new Map<string, { runtimeId: string; reading: UsageReading }>();
  private readonly now: () => number;

  constructor(private readonly deps: HostAgentDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Lists, reads and publishes once; resolves with the samples published. Never throws. */
  async tick(): Promise<Sample[]> {
    let servers: Awaited<ReturnType<HostAgentDeps['runtime']['list']>>;
    try {
      servers = (await this.deps.runtime.list()).filter((c) => c.role === 'app' && c.running);
    } catch (err) {
      this.stats.failedTicks += 1;
      this.deps.logger?.warn({ err }, 'listing the runtime’s containers failed');
      return [];
    }
    const readings = await this.deps.reader.read(servers);
    const ts = this.now();
    const next = new Map<string, { runtimeId: string; reading: UsageReading }>();
    const out: Sample[] = [];
    for (const c of servers) {
      const reading = readings.get(c.id);
      if (!reading) continue;
      next.set(c.id, { runtimeId: c.runtimeId, reading });
      const prev = this.previous.get(c.id);
      if (!prev || prev.runtimeId !== c.runtimeId) continue;
      const cpu = cpuPercent(prev.reading, reading);
      if (cpu === null) continue;
      const sample: Sample = {
        serverId: c.id,
        zone: c.zone,
        ts,
        source: 'agent',
        cpu: Math.round(cpu * 100) / 100,
        memoryMb: Math.round((reading.memoryBytes / MB) * 100) / 100,
        healthy: true,
      };
      this.deps.publisher.publish(sample);
      out.push(sample);
    }
    this.previous = next;
    this.stats.ticks += 1;
    this.stats.published += out.length;
    this.stats.servers = servers.length;
    this.stats.lastTickAt = ts;
    return out;
  }
}
