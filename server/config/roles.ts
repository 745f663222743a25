/**
 * The configuration of every role, as zod schemas over flags and environment (see `parse.ts` for
 * how flags map to `ZONESCALE_*` variables). Defaults are the source design's timings; the dev
 * cluster (`server/dev.ts`) passes shorter ones and prints them.
 */
import { z } from 'zod';
import { cidrProblem, DEFAULT_UPSTREAM_ALLOW } from '../shared/upstream-allow.ts';
import { boolish, csv, ms, port } from './parse.ts';

const common = {
  /** Cluster token for mutating control-plane calls (env `ZONESCALE_TOKEN`). Required. */
  token: z.string().min(16, 'the cluster token must be at least 16 characters (set ZONESCALE_TOKEN)'),
  /** Interface to listen on. */
  host: z.string().default('127.0.0.1'),
  /** Cluster id: labels containers and names the data directory. */
  cluster: z
    .string()
    .regex(/^[a-z0-9-]+$/)
    .default('dev'),
  /** Directory for embedded-default state (SQLite files, process runtime records). */
  dataDir: z.string().default('.zonescale'),
  /**
   * Host names a page with a key (dashboard, app UI) is served under besides IP literals and
   * `localhost`, comma-separated (DNS rebinding defence, `shared/origin-guard.ts`).
   */
  allowedHosts: csv().default([]),
};

/** How the raw front end of the balancer and the gateway treats request bodies. */
const clientBodies = {
  /** Request bodies up to this size are buffered and so can be retried; larger ones stream once, bytes. */
  maxRetryBodyBytes: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 * 1024),
  /** A request body silent this long gets 408 and a close, ms (nginx's client_body_timeout: 60 s). */
  clientBodyTimeoutMs: ms().default(60_000),
};

/**
 * `--upstream-allow 127.0.0.0/8,10.1.0.0/16`: the networks (CIDRs) upstream URLs of control-plane
 * calls may name; others are refused with 400 (`shared/upstream-allow.ts`). Default: the addresses
 * the process and docker runtimes hand out (127.0.0.0/8).
 */
const upstreamAllow = csv()
  .default([...DEFAULT_UPSTREAM_ALLOW])
  .superRefine((list, ctx) => {
    for (const c of list) {
      const problem = cidrProblem(c);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  });

/** `bun server/main.ts balancer` */
export const BalancerConfig = z.object({
  ...common,
  id: z.string().default(''),
  zone: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  port: port().default(8001),
  /** Initial upstreams, comma-separated URLs. */
  servers: csv().default([]),
  /** Initial leader monitor URL (the leader pushes itself with PUT /monitor anyway). */
  monitor: z.string().default(''),
  /** Active health check of the alive pool, ms (source design: 10 s). */
  checkIntervalMs: ms().default(10_000),
  /** Recheck of the disconnected pool, ms (source design: 30 s). */
  recheckIntervalMs: ms().default(30_000),
  /** Failed rechecks before a disconnected server is dead (source design: 3). */
  deadAfter: z.coerce.number().int().min(1).default(3),
  /** How often the dead pool is reported to the leader, ms (source design: 60 s). */
  reportIntervalMs: ms().default(60_000),
  /** Timeout of one health check, ms. */
  checkTimeoutMs: ms().default(2_000),
  /** Tries per user request, each on a different server when possible (source design: 3). */
  tries: z.coerce.number().int().min(1).max(10).default(3),
  /** Timeout of one proxied try, ms (connect + response headers). */
  tryTimeoutMs: ms().default(10_000),
  /** Balancing strategy (`server/balancer/strategy.ts`). */
  strategy: z.enum(['round-robin', 'least-connections', 'p2c', 'consistent-hash']).default('round-robin'),
  /** Affinity key of `consistent-hash`: `header:<name>`, `cookie:<name>` or `client` (the client address). */
  hashKey: z
    .string()
    .regex(
      /^(header:[A-Za-z0-9!#$%&'*+.^_`|~-]+|cookie:[^\s=;,]+|client)$/,
      'must be header:<name>, cookie:<name> or client',
    )
    .default('client'),
  /** Consecutive failed live requests that eject a server at once (passive outlier detection). */
  outlierThreshold: z.coerce.number().int().min(1).default(1),
  /** Retries allowed, % of requests in the retry-budget window (Envoy/Finagle retry budget). */
  retryBudgetPercent: z.coerce.number().min(0).max(100).default(20),
  /** Window of the retry budget, ms. */
  retryBudgetWindowMs: ms().default(10_000),
  /** Overall deadline of a proxied request across all tries, ms (until response headers). */
  requestTimeoutMs: ms().default(30_000),
  ...clientBodies,
  /** On stop, how long in-flight requests may take to finish before they are cut, ms. */
  drainTimeoutMs: ms().default(10_000),
  /** One JSON log line per proxied request (`msg: "access"`: method, target, status, upstream, ms, tries, client). */
  accessLog: boolish.default(false),
  upstreamAllow,
});
export type BalancerConfig = z.infer<typeof BalancerConfig>;

/** `bun server/main.ts app` */
export const AppConfig = z.object({
  ...common,
  id: z.string().min(1),
  zone: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
  port: port().default(9101),
  /** `burn`: the scenario really burns CPU in a worker; `simulate`: reports the curve without burning. */
  scenarioMode: z.enum(['burn', 'simulate']).default('burn'),
  /** Collector URL for the embedded HTTP metrics bus (ignored when KAFKA_BROKERS is set). */
  collector: z.string().default('http://127.0.0.1:7000'),
  /** Kafka brokers, comma-separated (env KAFKA_BROKERS); empty = HTTP push to the collector. */
  kafkaBrokers: csv().default([]),
  /** ms between two published samples (source design: 1 s). */
  sampleIntervalMs: ms().default(1_000),
});
export type AppConfig = z.infer<typeof AppConfig>;

/** `bun server/main.ts monitor` */
export const MonitorConfig = z.object({
  ...common,
  /** This replica's id; the highest live id wins elections. */
  id: z.coerce.number().int().min(1),
  port: port().default(7001),
  /** Every replica including this one: `1=http://127.0.0.1:7001,2=http://127.0.0.1:7002,…`. */
  peers: z.string().transform((s, ctx) => {
    const out: { id: number; url: string }[] = [];
    for (const part of s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const m = /^(\d+)=(https?:\/\/.+)$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `peer "${part}" is not id=url` });
        return z.NEVER;
      }
      out.push({ id: Number(m[1]), url: new URL(m[2]!).origin });
    }
    return out;
  }),
  zones: csv().default(['zone1', 'zone2', 'zone3']),
  /** Followers probe the leader this often, ms (source design: 5 s). */
  probeIntervalMs: ms().default(5_000),
  /** How long a candidate waits for an answer / a coordinator message, ms. */
  electionTimeoutMs: ms().default(1_000),
  /** Autoscaling period, ms (source design: 10 s). */
  periodMs: ms().default(10_000),
  /** Samples averaged per evaluation, ms. */
  windowMs: ms().default(10_000),
  /** Scale up above this zone average CPU, %. 60 % is crossed by the High scenario (70–75 %). */
  highCpu: z.coerce.number().min(0).max(100).default(60),
  /** Scale down below this zone average CPU, %. 20 % is crossed by the Low scenario (1–10 %). */
  lowCpu: z.coerce.number().min(0).max(100).default(20),
  minReplicas: z.coerce.number().int().min(1).default(1),
  maxReplicas: z.coerce.number().int().min(1).default(5),
  /** Default autoscaling policy of every zone: `threshold` (source design) or `target` (HPA-style tracking). */
  policy: z.enum(['threshold', 'target']).default('threshold'),
  /** Per-zone policy overrides, e.g. `zone2=target,zone3=threshold`. */
  zonePolicies: csv().default([]),
  /** Target tracking: target average zone CPU, %. */
  targetCpu: z.coerce.number().gt(0).max(100).default(50),
  /** Target tracking: dead-band around the target as a ratio (HPA default 0.1). */
  tolerance: z.coerce.number().min(0).max(1).default(0.1),
  /** Target tracking: scale-up stabilization window, ms (HPA default 0). */
  scaleUpStabilizationMs: z.coerce.number().int().min(0).default(0),
  /** Target tracking: scale-down stabilization window, ms (HPA default 300 s). */
  scaleDownStabilizationMs: z.coerce.number().int().min(0).default(300_000),
  /** Target tracking: scale-up step limits `Type:value:periodMs`, comma-separated (HPA default: 4 pods or 100 % per 15 s). */
  scaleUpPolicies: z.string().default('Pods:4:15000,Percent:100:15000'),
  /** Target tracking: scale-down step limits (HPA default: 100 % per 15 s). */
  scaleDownPolicies: z.string().default('Percent:100:15000'),
  /** Target tracking: how the step limits combine per direction: `Max` (HPA default), `Min` or `Disabled`. */
  scaleUpSelect: z.enum(['Max', 'Min', 'Disabled']).default('Max'),
  scaleDownSelect: z.enum(['Max', 'Min', 'Disabled']).default('Max'),
  /** Target tracking: a new server's samples are not counted for this long, ms (HPA: 5 min CPU initialization; ours start in ~1 s). */
  initializationMs: z.coerce.number().int().min(0).default(30_000),
  /** Target tracking: no scaling action within this long after the previous one, ms. */
  cooldownMs: z.coerce.number().int().min(0).default(10_000),
  /** Leader lease, ms (Kubernetes' leader election: 15 s); a candidate claims only after it lapses. 0 = no lease. */
  leaseMs: z.coerce.number().int().min(0).default(10_000),
  /** How often the leader renews its lease, ms (default: a third of the lease). */
  leaseRenewMs: z.coerce.number().int().min(0).default(0),
  /** Zone balancer ports: zone number n (zone1, zone2, …) listens on base + n - 1. */
  balancerPortBase: port().default(8001),
  /** App server ports are allocated from this inclusive range, e.g. `9101-9199`. */
  appPorts: z
    .string()
    .regex(/^\d+-\d+$/)
    .transform((s) => s.split('-').map(Number) as [number, number])
    .default([9101, 9199]),
  /** Runtime: `process` (embedded default) or `docker` (env RUNTIME). */
  runtime: z.enum(['process', 'docker']).default('process'),
  /** Registry: Redis URL (env REDIS_URL); empty = SQLite file in the data dir. */
  redisUrl: z.string().default(''),
  /** Metrics store: InfluxDB URL (env INFLUX_URL); empty = SQLite file in the data dir. */
  influxUrl: z.string().default(''),
  /** Flags handed to every balancer the leader starts (timings), space-separated. */
  balancerArgs: z.string().default(''),
  /** Flags handed to every app server the leader starts, space-separated. */
  appArgs: z.string().default(''),
  /** Collector URL handed to app servers. */
  collector: z.string().default('http://127.0.0.1:7000'),
  /** Serve the dashboard from this directory. */
  dashboardDir: z.string().default('dashboard/dist'),
  /** The gateway's URL: the leader pushes it every zone's balancer (PUT /zones); empty = no gateway. */
  gateway: z.string().default(''),
  /** Verbose debugging of election messages. */
  debugElection: boolish.default(false),
  upstreamAllow,
});
export type MonitorConfig = z.infer<typeof MonitorConfig>;

/** `bun server/main.ts collector` */
export const CollectorConfig = z.object({
  ...common,
  port: port().default(7000),
  /** Kafka brokers (env KAFKA_BROKERS); empty = accept HTTP pushes on POST /samples. */
  kafkaBrokers: csv().default([]),
  /** Metrics store: InfluxDB URL (env INFLUX_URL); empty = SQLite file in the data dir. */
  influxUrl: z.string().default(''),
  /** Samples older than this are pruned from the embedded store, ms. */
  retentionMs: ms().default(3_600_000),
});
export type CollectorConfig = z.infer<typeof CollectorConfig>;

/** `bun server/main.ts gateway`: the front door in front of the zone balancers. */
export const GatewayConfig = z.object({
  ...common,
  port: port().default(7010),
  /** Initial zones `zone1=http://127.0.0.1:8001,…` (the leader pushes them anyway with PUT /zones). */
  zones: z.string().default(''),
  /** Affinity header (e.g. `x-session-id`); empty = key on the client address. */
  affinityHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]*$/, 'a header name: letters, digits and dashes')
    .default(''),
  /** Health check of an available zone's balancer, ms. */
  checkIntervalMs: ms().default(2_000),
  /** Recheck of an unavailable zone's balancer, ms. */
  recheckIntervalMs: ms().default(2_000),
  /** Timeout of one zone health check, ms. */
  checkTimeoutMs: ms().default(1_000),
  /** Zones tried per request, each the next one on the ring. */
  tries: z.coerce.number().int().min(1).max(10).default(3),
  /** Timeout of one proxied try, ms (connect + response headers). */
  tryTimeoutMs: ms().default(10_000),
  ...clientBodies,
  upstreamAllow,
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

/** Extra environment names per option (the well-known ones). */
export const ENV_ALIASES = {
  token: 'ZONESCALE_TOKEN',
  kafkaBrokers: 'KAFKA_BROKERS',
  redisUrl: 'REDIS_URL',
  influxUrl: 'INFLUX_URL',
  runtime: 'RUNTIME',
} as const;
