/**
 * The agent's I/O seam: a `UsageReader` reads, for the servers the runtime holds on this host, one
 * `UsageReading` each (cumulative CPU time, a clock, resident memory; `usage.ts`). Two adapters:
 * `ProcReader` (process runtime: the process tree under each server's pid, from `/proc`) and
 * `DockerReader` (Docker runtime: the engine's stats API, `docker-reader.ts`). A fake for the
 * agent's unit tests lives under `test/support/`.
 */
import type { RuntimeContainer } from '../adapters/runtime.ts';
import type { UsageReading } from './usage.ts';

/** Reads the usage of containers; never throws for one container it cannot read (it is left out). */
export interface UsageReader {
  /** Kind shown on `/health_check`: `proc` or `docker`. */
  readonly kind: string;
  /** One reading per container id it could read now. */
  read(containers: readonly RuntimeContainer[]): Promise<Map<string, UsageReading>>;
}
