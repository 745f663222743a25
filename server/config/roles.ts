/**
 * The configuration of every role, as zod schemas over flags and environment (see `parse.ts` for
 * how flags map to `ZONESCALE_*` variables); each field's description is its `--help` line.
 * Defaults are the source design's timings; the dev cluster (`server/dev.ts`) passes shorter ones
 * and prints them. The monitor's schema, with its cross-field checks, is in `monitor.ts`.
 */
import { z } from 'zod';
import { common, upstreamAllow, zone } from './common.ts';
import { boolish, csv, ms, port } from './parse.ts';
import { HealthPath } from './service.ts';

export { ENV_ALIASES } from './common.ts';

/** Tries of a proxied request, 1..10 (source design: 3); `what` is its help line. */
const tries = (what: string) => z.coerce.number().int().min(1).max(10).default(3).describe(what);

export { MonitorConfig } from './monitor.ts';

/** How the raw front end of the balancer and the gateway treats request bodies. */
const clientBodies = {
  maxRetryBodyBytes: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * 1024)
    .describe(
      'Request bodies up to this size are buffered and so can be retried; larger ones stream once, bytes.',
    ),
  clientBodyTimeoutMs: ms()
    .default(60_000)
    .describe(
      "A request body silent this long gets 408 and a close, ms (nginx's client_body_timeout); never counted against a server.",
    ),
};

/** `bun server/main.ts balancer` */
export const BalancerConfig = z.object({
  ...common,
  id: z.string().default('').describe('Balancer id in logs (default: <zone>-balancer).'),
  zone,
  port: port().default(8001).describe('Port to listen on.'),
  servers: csv().default([]).describe('Initial upstreams, comma-separated URLs.'),
  monitor: z
    .string()
    .default('')
    .describe('Initial leader monitor URL (the leader pushes itself with PUT /monitor anyway).'),
  checkIntervalMs: ms()
    .default(10_000)
    .describe('Active health check of the alive pool, ms (source design: 10 s).'),
  recheckIntervalMs: ms()
    .default(30_000)
    .describe('Recheck of the disconnected pool, ms (source design: 30 s).'),
  deadAfter: z.coerce
    .number()
    .int()
    .min(1)
    .default(3)
    .describe('Failed rechecks before a disconnected server is dead (source design: 3).'),
  reportIntervalMs: ms()
    .default(60_000)
    .describe('How often the dead pool is reported to the leader, ms (source design: 60 s).'),
  checkTimeoutMs: ms().default(2_000).describe('Timeout of one health check, ms.'),
  healthPath: HealthPath.default('/health_check').describe(
    "Path of the servers' health check (`GET`, a 2xx is up): the service's health path.",
  ),
  tries: tries('Tries per user request, each on a different server when possible (source design: 3).'),
  tryTimeoutMs: ms().default(10_000).describe('Timeout of one proxied try, ms (connect + response headers).'),
  strategy: z
    .enum(['round-robin', 'least-connections', 'p2c', 'consistent-hash'])
    .default('round-robin')
    .describe('Balancing strategy (`server/proxy/lb/strategy.ts`).'),
  hashKey: z
    .string()
    .regex(
      /^(header:[A-Za-z0-9!#$%&'*+.^_`|~-]+|cookie:[^\s=;,]+|client)$/,
      'must be header:<name>, cookie:<name> or client',
    )
    .default('client')
    .describe(
      'Affinity key of `consistent-hash`: `header:<name>`, `cookie:<name>` or `client` (the client address).',
    ),
  outlierThreshold: z.coerce
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('Consecutive failed live requests that eject a server at once (passive outlier detection).'),
  retryBudgetPercent: z.coerce
    .number()
    .min(0)
    .max(100)
    .default(20)
    .describe('Retries allowed, % of requests in the retry-budget window (Envoy/Finagle retry budget).'),
  retryBudgetWindowMs: ms().default(10_000).describe('Window of the retry budget, ms.'),
  requestTimeoutMs: ms()
    .default(30_000)
    .describe('Overall deadline of a proxied request across all tries, ms (until response headers).'),
  ...clientBodies,
  activationQueue: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(100)
    .describe(
      "Requests held while the zone has no alive server and the leader is asked for one (Knative's activator); beyond: 503 with Retry-After; 0 = off (503 at once).",
    ),
  activationTimeoutMs: ms()
    .default(30_000)
    .describe('How long a request is held for activation before it gets 503 with Retry-After, ms.'),
  slowStartMs: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe(
      "A server joining the alive pool ramps from 10 % to its full share over this window, ms (HAProxy's slowstart); 0 = off.",
    ),
  drainTimeoutMs: ms()
    .default(10_000)
    .describe('On stop, how long in-flight requests may take to finish before they are cut, ms.'),
  accessLog: boolish
    .default(false)
    .describe(
      'One JSON log line per proxied request (`msg: "access"`: method, target, status, upstream, ms, tries, client).',
    ),
  upstreamAllow,
  collector: z
    .string()
    .default('')
    .describe(
      'Collector URL the per-server request samples are pushed to (HTTP metrics bus); empty and no KAFKA_BROKERS = not published (still on /metrics).',
    ),
  kafkaBrokers: csv()
    .default([])
    .describe('Kafka brokers (env KAFKA_BROKERS): request samples go to the zonescale.requests topic.'),
  sampleIntervalMs: ms().default(1_000).describe('ms between two request-sample windows (1 s).'),
});
export type BalancerConfig = z.infer<typeof BalancerConfig>;

/** Where a producer of samples (app, agent) publishes them: HTTP push to the collector, or Kafka. */
const metricsBus = {
  collector: z
    .string()
    .default('http://127.0.0.1:7000')
    .describe('Collector URL for the embedded HTTP metrics bus (ignored when KAFKA_BROKERS is set).'),
  kafkaBrokers: csv()
    .default([])
    .describe('Kafka brokers, comma-separated (env KAFKA_BROKERS); empty = HTTP push to the collector.'),
};

/** `bun server/main.ts app` */
export const AppConfig = z.object({
  ...common,
  id: z.string().min(1).describe('App server id, e.g. zone1-app-1.'),
  zone,
  port: port().default(9101).describe('Port to listen on.'),
  scenarioMode: z
    .enum(['burn', 'simulate'])
    .default('burn')
    .describe(
      '`burn`: the scenario really burns CPU in a worker; `simulate`: reports the curve without burning.',
    ),
  ...metricsBus,
  sampleIntervalMs: ms().default(1_000).describe('ms between two published samples (source design: 1 s).'),
});
export type AppConfig = z.infer<typeof AppConfig>;

/** `bun server/main.ts agent`: one per host, samples the runtime's app servers from outside. */
export const AgentConfig = z.object({
  ...common,
  id: z
    .string()
    .default('')
    .describe('Agent id in logs and as the Kafka client id (default: agent-<host name>).'),
  port: port().default(7020).describe('Port to listen on (GET /health_check).'),
  intervalMs: ms()
    .default(1_000)
    .describe(
      'ms between two readings of every server: the rate of its samples (1 s, as the app publishes).',
    ),
  runtime: z
    .enum(['process', 'docker'])
    .default('process')
    .describe(
      'Runtime whose app servers it samples: `process` (process trees from /proc) or `docker` (engine stats) (env RUNTIME).',
    ),
  ...metricsBus,
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** `bun server/main.ts collector` */
export const CollectorConfig = z.object({
  ...common,
  port: port().default(7000).describe('Port to listen on.'),
  kafkaBrokers: csv()
    .default([])
    .describe('Kafka brokers (env KAFKA_BROKERS); empty = accept HTTP pushes on POST /samples.'),
  influxUrl: z
    .string()
    .default('')
    .describe('Metrics store: InfluxDB URL (env INFLUX_URL); empty = SQLite file in the data dir.'),
  retentionMs: ms()
    .default(3_600_000)
    .describe('Samples older than this are pruned from the embedded store, ms.'),
});
export type CollectorConfig = z.infer<typeof CollectorConfig>;

/** `bun server/main.ts gateway`: the front door in front of the zone balancers. */
export const GatewayConfig = z.object({
  ...common,
  port: port().default(7010).describe('Port to listen on.'),
  zones: z
    .string()
    .default('')
    .describe(
      'Initial zones `zone1=http://127.0.0.1:8001,…` (the leader pushes them anyway with PUT /zones).',
    ),
  affinityHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]*$/, 'a header name: letters, digits and dashes')
    .default('')
    .describe('Affinity header (e.g. `x-session-id`); empty = key on the client address.'),
  checkIntervalMs: ms().default(2_000).describe("Health check of an available zone's balancer, ms."),
  recheckIntervalMs: ms().default(2_000).describe("Recheck of an unavailable zone's balancer, ms."),
  checkTimeoutMs: ms().default(1_000).describe('Timeout of one zone health check, ms.'),
  tries: tries('Zones tried per request, each the next one on the ring.'),
  tryTimeoutMs: ms().default(10_000).describe('Timeout of one proxied try, ms (connect + response headers).'),
  ...clientBodies,
  upstreamAllow,
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;
