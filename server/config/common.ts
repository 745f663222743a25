/**
 * The options every role shares (cluster token, interface, advertised address, cluster id, data
 * directory), the zone
 * name rule, the upstream allow-list, and the well-known environment names that stand beside the
 * `ZONESCALE_*` ones.
 */
import { z } from 'zod';
import { DEFAULT_ADVERTISE_ADDRESS } from '../shared/advertise.ts';
import { cidrProblem, DEFAULT_UPSTREAM_ALLOW } from '../shared/upstream-allow.ts';
import { csv } from './parse.ts';

/** Options of every role. */
export const common = {
  token: z
    .string()
    .min(16, 'the cluster token must be at least 16 characters')
    .describe(
      'the cluster token that authorizes control-plane calls: the same secret, at least 16 characters, for every role of the cluster (e.g. export ZONESCALE_TOKEN=$(openssl rand -hex 24))',
    ),
  host: z.string().default('127.0.0.1').describe('Interface to listen on.'),
  advertiseAddress: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'an IP address or host name, without scheme or port')
    .default(DEFAULT_ADVERTISE_ADDRESS)
    .describe(
      'The address other roles reach this one on, used in every URL it hands out (its routable IP on a multi-host cluster).',
    ),
  cluster: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes')
    .default('dev')
    .describe('Cluster id: labels containers and names the data directory.'),
  dataDir: z
    .string()
    .default('.zonescale')
    .describe('Directory for embedded-default state (SQLite files, process runtime records).'),
  /**
   * Host names a page with a key (dashboard, app UI) is served under besides IP literals and
   * `localhost`, comma-separated (DNS rebinding defence, `shared/origin-guard.ts`).
   */
  allowedHosts: csv()
    .default([])
    .describe(
      'Host names the dashboard and app UI may be served under besides IP literals and localhost, comma-separated (DNS rebinding defence).',
    ),
};

/** A zone name (`zone1`): a lower-case letter, then letters, digits or dashes, at most 32. */
export const zone = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'a zone name: a lower-case letter, then letters, digits or dashes')
  .describe('The zone it serves, e.g. zone1.');

/**
 * `--upstream-allow 127.0.0.0/8,10.1.0.0/16`: the networks (CIDRs) upstream URLs of control-plane
 * calls may name; others are refused with 400 (`shared/upstream-allow.ts`). Default: the addresses
 * the process and docker runtimes hand out (127.0.0.0/8).
 */
export const upstreamAllow = csv()
  .default([...DEFAULT_UPSTREAM_ALLOW])
  .superRefine((list, ctx) => {
    for (const c of list) {
      const problem = cidrProblem(c);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  })
  .describe(
    'Networks (CIDRs, comma-separated) that upstream URLs of control-plane calls may name; others get 400.',
  );

/** Extra environment names per option (the well-known ones). */
export const ENV_ALIASES = {
  token: 'ZONESCALE_TOKEN',
  kafkaBrokers: 'KAFKA_BROKERS',
  redisUrl: 'REDIS_URL',
  influxUrl: 'INFLUX_URL',
  runtime: 'RUNTIME',
} as const;
