/**
 * The service zonescale runs and scales, as zod schemas shared by the flags (`--service 'CMD'`,
 * `--service-image IMAGE`, `--health-path`, `--health-interval-ms`, `--readiness-delay-ms`,
 * `--service-env K=V` repeatable, `--service-file`; on `bun run dev` and the monitor) and the service
 * file (`zonescale.service.json` / `.yaml`, `service-file.ts`), so both are checked by the same rules
 * and a mistake names the field. `resolveService` merges file and flags (a flag wins) into the
 * runtime's `ServiceSpec` plus the autoscaling settings the file may carry (per-zone min/max
 * replicas, the `metrics` list of the multi-metric policy). No command and no image = the demo app.
 */
import { z } from 'zod';
import { DEMO_SERVICE, type ServiceSpec } from '../adapters/runtime.ts';
import { BadConfig } from '../shared/errors.ts';
import { zone } from './common.ts';
import { flagName, ms, repeatable } from './parse.ts';

/** An environment variable name (POSIX portable: letters, digits, underscores, not a digit first). */
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment name: letters, digits, _');

/** An HTTP path to probe: starts with `/`, no spaces or control characters, at most 1024. */
export const HealthPath = z
  .string()
  .max(1024)
  .regex(/^\/[\x21-\x7e]*$/, 'a path starting with / (no spaces), e.g. /healthz');

/** A ms delay ≥ 0. */
const delayMs = () => z.coerce.number().int().min(0);

/** The autoscaling metrics of contracts.md section 2 (targets: cpu %, memory MB, rps and concurrency per server, p95 ms). */
export const METRIC_NAMES = ['cpu', 'memory', 'rps', 'concurrency', 'p95-latency'] as const;

/** One autoscaling metric and its target (validated here, computed by the policy). */
export const ScalingMetric = z.strictObject({
  name: z.enum(METRIC_NAMES),
  target: z.number().positive(),
});
export type ScalingMetric = z.infer<typeof ScalingMetric>;

/** Replica bounds (0 allowed: scale to zero, for the policies that support it). */
const replicaBounds = {
  minReplicas: z.number().int().min(0).optional(),
  maxReplicas: z.number().int().min(1).optional(),
};

/** What `zonescale.service.json` / `.yaml` may hold; any other field is an error. */
export const ServiceFile = z.strictObject({
  command: z.string().min(1).optional(),
  image: z.string().min(1).optional(),
  args: z.array(z.string()).optional(),
  portVariable: envVarName.optional(),
  healthPath: HealthPath.optional(),
  healthIntervalMs: z.number().int().positive().optional(),
  readinessDelayMs: z.number().int().min(0).optional(),
  env: z.record(envVarName, z.string()).optional(),
  ...replicaBounds,
  zones: z.record(zone, z.strictObject(replicaBounds)).optional(),
  metrics: z.array(ScalingMetric).min(1).optional(),
});
export type ServiceFile = z.infer<typeof ServiceFile>;

/** `K=V` of `--service-env`. */
const envEntry = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*=/, 'NAME=value with an environment name');

/** The service flags, spread into the monitor's and `bun run dev`'s schemas. */
export const serviceFlags = {
  service: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Your service's command, run by a shell per app server; $PORT / the PORT variable carry its port (default: the demo app).",
    ),
  serviceImage: z
    .string()
    .min(1)
    .optional()
    .describe('Your service as a Docker image (RUNTIME=docker); --service then replaces its command.'),
  healthPath: HealthPath.optional().describe(
    'Path the leader and balancers probe, a 2xx is healthy (default /health_check for the demo app, / for yours).',
  ),
  healthIntervalMs: ms()
    .optional()
    .describe("How often balancers health-check the service, ms (default: the balancer's interval)."),
  readinessDelayMs: delayMs()
    .optional()
    .describe('Wait this long after a start before the first health check, ms (default 0).'),
  serviceEnv: repeatable(envEntry)
    .default([])
    .describe('Environment of your service, NAME=value; repeat the flag for more (env: one a line).'),
  serviceFile: z
    .string()
    .optional()
    .describe(
      'Service file (JSON or YAML); default zonescale.service.json / .yaml / .yml in the working directory when present.',
    ),
};

/** The service flags as parsed. */
export type ServiceFlags = {
  service?: string;
  serviceImage?: string;
  healthPath?: string;
  healthIntervalMs?: number;
  readinessDelayMs?: number;
  serviceEnv: string[];
  serviceFile?: string;
};

/** A service and its scaling settings, from flags and file. */
export interface ResolvedService {
  spec: ServiceSpec;
  /** Where it came from: `demo`, `flags`, or the file's path. */
  source: string;
  minReplicas?: number;
  maxReplicas?: number;
  zones?: Record<string, { minReplicas?: number; maxReplicas?: number }>;
  metrics?: ScalingMetric[];
}

/**
 * Merges the service file `file` (may be null) and `flags` (a flag wins) into one service, checked
 * against `runtime`: an image needs Docker or the swarm (every node of the zone must hold it), and
 * a command alone cannot run in Docker's zonescale image (on Docker or the swarm).
 * @throws BadConfig naming the flag or field.
 */
export function resolveService(
  flags: ServiceFlags,
  file: { path: string; data: ServiceFile } | null,
  runtime: 'process' | 'docker' | 'swarm',
): ResolvedService {
  const f = file?.data ?? {};
  const command = flags.service ?? f.command;
  const image = flags.serviceImage ?? f.image;
  const env: Record<string, string> = { ...f.env };
  for (const kv of flags.serviceEnv) {
    const at = kv.indexOf('=');
    env[kv.slice(0, at)] = kv.slice(at + 1);
  }
  const foreign = command !== undefined || image !== undefined;
  const source = flags.service || flags.serviceImage ? 'flags' : file && foreign ? file.path : 'demo';
  const where = (flag: string, field: string) =>
    flags[flag as keyof ServiceFlags] !== undefined || !file
      ? `--${flagName(flag)}`
      : `${file.path}: ${field}`;
  if (image !== undefined && runtime === 'process')
    throw new BadConfig(
      `${where('serviceImage', 'image')} "${image}" needs the Docker or swarm runtime (RUNTIME=docker|swarm); the process runtime runs a command (--service 'CMD')`,
    );
  if (image === undefined && command !== undefined && runtime !== 'process')
    throw new BadConfig(
      `${where('service', 'command')}: with RUNTIME=${runtime} a service is an image: give --service-image IMAGE (--service then replaces its command)`,
    );
  if (f.args !== undefined && image === undefined)
    throw new BadConfig(`${file?.path}: args: only an image takes args (give image, or put them in command)`);
  const spec: ServiceSpec = foreign
    ? {
        ...(command !== undefined ? { command } : {}),
        ...(image !== undefined ? { image } : {}),
        ...(f.args !== undefined && flags.service === undefined ? { args: f.args } : {}),
        env,
        ...(f.portVariable && f.portVariable !== 'PORT' ? { portVariable: f.portVariable } : {}),
        healthPath: flags.healthPath ?? f.healthPath ?? '/',
        readinessDelayMs: flags.readinessDelayMs ?? f.readinessDelayMs ?? 0,
      }
    : {
        ...DEMO_SERVICE,
        env,
        healthPath: flags.healthPath ?? f.healthPath ?? DEMO_SERVICE.healthPath,
        readinessDelayMs: flags.readinessDelayMs ?? f.readinessDelayMs ?? 0,
      };
  const interval = flags.healthIntervalMs ?? f.healthIntervalMs;
  if (interval !== undefined) spec.healthIntervalMs = interval;
  checkBounds(f, file?.path ?? '');
  return {
    spec,
    source,
    ...(f.minReplicas !== undefined ? { minReplicas: f.minReplicas } : {}),
    ...(f.maxReplicas !== undefined ? { maxReplicas: f.maxReplicas } : {}),
    ...(f.zones ? { zones: f.zones } : {}),
    ...(f.metrics ? { metrics: f.metrics } : {}),
  };
}

/** min ≤ max, at the top and per zone. @throws BadConfig naming the field */
function checkBounds(f: ServiceFile, path: string): void {
  const check = (b: { minReplicas?: number; maxReplicas?: number }, at: string) => {
    const min = b.minReplicas ?? f.minReplicas;
    const max = b.maxReplicas ?? f.maxReplicas;
    if (min !== undefined && max !== undefined && min > max)
      throw new BadConfig(`${path}: ${at}minReplicas: ${min} must not exceed maxReplicas (${max})`);
  };
  check(f, '');
  for (const [z, b] of Object.entries(f.zones ?? {})) check(b, `zones.${z}.`);
}
