/**
 * `UsageReader` of the Docker runtime: one stats answer per container from the engine
 * (`GET /containers/{id}/stats?stream=false&one-shot=true` through dockerode), as `docker stats`
 * reads them; each container is its own cgroup, so this is the cgroup reading. `one-shot` answers
 * at once (without it the engine waits ~2 s to fill `precpu_stats`); the agent keeps the previous
 * reading itself, so `cpuPercent` of two answers is the API reference's formula (`usage.ts`).
 */
import type Docker from 'dockerode';
import type { RuntimeContainer } from '../adapters/runtime.ts';
import type { Logger } from '../shared/logger.ts';
import type { UsageReader } from './reader.ts';
import { type DockerCpuStats, type DockerMemoryStats, dockerReading, type UsageReading } from './usage.ts';

/** Timeout of one stats call, ms: a wedged engine must not stall the agent's next tick. */
export const DOCKER_STATS_TIMEOUT_MS = 5_000;

/** The stats reader over a dockerode client (e.g. `DockerRuntime.docker`). */
export class DockerReader implements UsageReader {
  readonly kind = 'docker';

  constructor(
    private readonly docker: Docker,
    private readonly logger?: Logger,
  ) {}

  /** One reading per running container the engine answered for; the calls run in parallel. */
  async read(containers: readonly RuntimeContainer[]): Promise<Map<string, UsageReading>> {
    const out = new Map<string, UsageReading>();
    await Promise.all(
      containers.map(async (c) => {
        try {
          const stats = (await this.docker.getContainer(c.runtimeId).stats({
            stream: false,
            'one-shot': true,
            abortSignal: AbortSignal.timeout(DOCKER_STATS_TIMEOUT_MS),
          } as { stream: false })) as { cpu_stats: DockerCpuStats; memory_stats: DockerMemoryStats };
          const r = dockerReading(stats.cpu_stats, stats.memory_stats ?? {});
          if (r) out.set(c.id, r);
        } catch (err) {
          this.logger?.debug({ err, id: c.id }, 'docker stats failed');
        }
      }),
    );
    return out;
  }
}
