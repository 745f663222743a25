/**
 * The flags of `bun run dev` (`bun server/dev.ts`), as a zod schema read by `parseConfig` like a
 * role's: each also from its `ZONESCALE_*` variable, and `--help` lists them with defaults.
 */
import { z } from 'zod';
import { common } from './common.ts';
import { boolish } from './parse.ts';
import { serviceFlags } from './service.ts';

/** `bun server/dev.ts [--base-port N] [--data-dir DIR] [--simulate] [--keep] [--stack] [--token T]` */
export const DevConfig = z.object({
  basePort: z.coerce
    .number()
    .int()
    .min(1024)
    .max(63336)
    .default(7000)
    .describe(
      'First port of the cluster: collector N, monitors N+1…, gateway N+10, balancers N+1001…, app servers N+2101–N+2199; a second cluster beside the first needs another (e.g. 7200)',
    ),
  dataDir: z
    .string()
    .default('.zonescale')
    .describe(
      'Directory (relative to the repository) for the registry, metrics, runtime records and logs; one cluster at a time holds it',
    ),
  token: common.token.optional().describe('The cluster token; generated when not given'),
  simulate: boolish.default(false).describe('App servers report the scenario curves without burning CPU'),
  keep: boolish.default(false).describe('Keep the registry of the previous run'),
  monitorArgs: z
    .string()
    .default('')
    .describe(
      'Flags handed to every monitor, space-separated, e.g. `--zone-policies zone2=concurrency --target-concurrency 10`',
    ),
  stack: boolish
    .default(false)
    .describe(
      'Run on the real services (Redis, Kafka, InfluxDB, Docker): starts them with scripts/services.sh and builds the image',
    ),
  ...serviceFlags,
});
export type DevConfig = z.infer<typeof DevConfig>;

/** How `bun run dev` names itself in messages and help. */
export const DEV_COMMAND = {
  name: 'bun run dev',
  summary:
    'the whole zonescale loop on this machine: collector, gateway, a host agent and three monitors, whose leader starts a balancer and an app server per zone',
  aliases: { token: 'ZONESCALE_TOKEN' },
} as const;
