/**
 * How `bun run dev` hands the service to its monitors: it resolves the service once itself (so a
 * bad flag or service file stops it with exit 2 before anything starts) and passes the same flags
 * on to every monitor, with the service file as an absolute path (the monitors run in the
 * repository, not necessarily where `bun run dev` was started).
 */

import { type ResolvedService, resolveService, type ServiceFlags } from '../config/service.ts';
import { loadServiceFile } from '../config/service-file.ts';

/** The resolved service and the monitor flags that carry it. @throws BadConfig naming the flag or field */
export function devService(
  flags: ServiceFlags,
  cwd: string,
  runtime: 'process' | 'docker',
): { service: ResolvedService; monitorArgs: string[] } {
  const file = loadServiceFile(flags.serviceFile, cwd);
  const service = resolveService(flags, file, runtime);
  const args: string[] = [];
  const pass = (flag: string, v: string | number | undefined) => {
    if (v !== undefined) args.push(`--${flag}=${v}`);
  };
  pass('service', flags.service);
  pass('service-image', flags.serviceImage);
  pass('health-path', flags.healthPath);
  pass('health-interval-ms', flags.healthIntervalMs);
  pass('readiness-delay-ms', flags.readinessDelayMs);
  for (const kv of flags.serviceEnv) pass('service-env', kv);
  pass('service-file', file?.path);
  return { service, monitorArgs: args };
}
