/**
 * The core of the domain vocabulary every role shares, as zod schemas with their inferred types:
 * zones, upstream addresses, terms, samples, containers, pool states, events and the leader.
 * Re-exported by `types.ts`, which is what callers import. Units: times are epoch milliseconds, CPU
 * in percent of one core, memory in MB, throughput in requests per second.
 */
import { z } from '@hono/zod-openapi';
import { MAX_TERM, TERM_BOUND_MESSAGE } from './term.ts';

/** The zones of the source design. A server belongs to exactly one zone. */
export const ZONES = ['zone1', 'zone2', 'zone3'] as const;

/** A zone id: `zone1`…`zone9` style; the default cluster uses `ZONES`. */
export const ZoneId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'zone ids are lower-case letters, digits and dashes, e.g. zone1')
  .openapi({ example: 'zone1' });
export type ZoneId = z.infer<typeof ZoneId>;

/** An upstream address: an absolute http URL with host and port, no path (e.g. `http://127.0.0.1:9101`). */
export const UpstreamUrl = z
  .string()
  .url()
  .refine((u) => {
    try {
      const p = new URL(u);
      return (
        (p.protocol === 'http:' || p.protocol === 'https:') &&
        p.port !== '' &&
        (p.pathname === '/' || p.pathname === '')
      );
    } catch {
      return false;
    }
  }, 'must be an http(s) URL with an explicit port and no path, e.g. http://127.0.0.1:9101')
  .transform((u) => new URL(u).origin)
  .openapi({ example: 'http://127.0.0.1:9101', type: 'string', format: 'uri' });

/**
 * A leader term: the fencing token, an integer that grows with every election, bounded by
 * `MAX_TERM` (2^31 − 1; see `term.ts`): a larger one is refused with 400 naming the bound.
 */
export const Term = z
  .number()
  .int(TERM_BOUND_MESSAGE)
  .min(0, TERM_BOUND_MESSAGE)
  .max(MAX_TERM, TERM_BOUND_MESSAGE)
  .openapi({ example: 3 });

/** Scenario modes of an app server (source design: High CPU / Low CPU buttons; `off` = real load only). */
export const ScenarioMode = z.enum(['high', 'low', 'off']);
export type ScenarioMode = z.infer<typeof ScenarioMode>;

/** Who measured a sample: the app itself, the host agent (from outside), or the zone balancer. */
export const SampleSource = z.enum(['app', 'agent', 'balancer']);
export type SampleSource = z.infer<typeof SampleSource>;

/** A latency in ms, or null when no request completed in the second. */
const LatencyMs = z.number().min(0).nullable();

/**
 * One metrics record a server gets each second from one of three sources (contracts.md §1), all
 * through the same metrics bus into the same store, keyed by (serverId, source, ts):
 * - `app` (default, so samples from before sources existed stay valid) and `agent`: resource fields
 *   `cpu` (% of one core) and `memoryMb` (MB); the app adds `throughput`, `healthy`, `scenario`;
 * - `balancer`: request fields measured per upstream server over the last second: `rps`
 *   (completed req/s), `inFlight` (mean in-flight requests over the second), `p50Ms`/`p95Ms`/
 *   `p99Ms` (request start to response head, null when none completed), `errorRate` (0..1, 5xx
 *   or failed answers over all answers).
 */
export const Sample = z
  .object({
    serverId: z.string(),
    zone: ZoneId,
    /** Epoch ms when the sample was taken. */
    ts: z.number().int(),
    source: SampleSource.default('app'),
    /** Process CPU, % of one core. */
    cpu: z.number().min(0).optional(),
    /** Resident memory, MB. */
    memoryMb: z.number().min(0).optional(),
    /** Requests served in the last second as the app counts them, req/s. */
    throughput: z.number().min(0).optional(),
    healthy: z.boolean().optional(),
    scenario: ScenarioMode.optional(),
    /** Requests completed in the last second, as the balancer counts them, req/s. */
    rps: z.number().min(0).optional(),
    /** Mean in-flight requests over the last second (time-weighted), requests. */
    inFlight: z.number().min(0).optional(),
    p50Ms: LatencyMs.optional(),
    p95Ms: LatencyMs.optional(),
    p99Ms: LatencyMs.optional(),
    /** Fraction (0..1) of answers that were 5xx or failed. */
    errorRate: z.number().min(0).max(1).optional(),
  })
  .openapi('Sample');
/** A sample as stored and read back (`source` filled in). */
export type Sample = z.infer<typeof Sample>;
/** A sample as a producer writes it: `source` may be left out (it defaults to `app`). */
export type SampleInput = z.input<typeof Sample>;

/** What the runtime runs: an app server or a zone balancer. */
export const ContainerRole = z.enum(['app', 'balancer']);
export type ContainerRole = z.infer<typeof ContainerRole>;

/**
 * A container the registry knows: an app server or a zone balancer. `id` is stable
 * (e.g. `zone1-app-3`, `zone1-balancer`); `url` is where it answers (`http://127.0.0.1:<port>`);
 * `runtimeId` is the runtime's handle (a pid for processes, a container id for Docker).
 */
export const ContainerRecord = z
  .object({
    id: z.string(),
    role: ContainerRole,
    zone: ZoneId,
    url: z.string(),
    port: z.number().int().min(1).max(65535),
    runtimeId: z.string(),
    /** Epoch ms when it was created. */
    createdAt: z.number().int(),
    /** The node it runs on, for multi-node runtimes (a swarm node id); absent on one host. */
    node: z.string().optional(),
  })
  .openapi('Container');
export type ContainerRecord = z.infer<typeof ContainerRecord>;

/** Health of a server as its zone balancer sees it (the source design's three pools). */
export const PoolState = z.enum(['alive', 'disconnected', 'dead']);
export type PoolState = z.infer<typeof PoolState>;

/**
 * Reason codes for control-plane decisions, in the HPA's style. Scaling:
 * `AboveHighThreshold`, `BelowLowThreshold`, `WithinThresholds`, `AtMaxReplicas`, `AtMinReplicas`,
 * `NoSamples`, `BelowMinReplicas`; healing: `DeadServerReported`, `BalancerDown`, `ZoneBootstrap`,
 * `OrphanRemoved`; leadership: `LeaderElected`.
 */
export const ReasonCode = z.string().openapi({ example: 'AboveHighThreshold' });

/** A control-plane event: scaling, healing or leadership, with why it happened. */
export const ClusterEvent = z
  .object({
    id: z.string(),
    /** Epoch ms. */
    ts: z.number().int(),
    kind: z.enum([
      'scale-up',
      'scale-down',
      'replace',
      'remove-dead',
      'balancer-created',
      'leader-elected',
      'reconcile',
      /** An autoscaling decision that changed nothing, recorded when its reason changes (e.g. `ScaleUpStabilized`). */
      'decision',
    ]),
    zone: ZoneId.nullable(),
    reason: ReasonCode,
    message: z.string(),
    /** Replicas before and after, for scaling events. */
    from: z.number().int().nullable(),
    to: z.number().int().nullable(),
    serverId: z.string().nullable(),
    term: Term,
  })
  .openapi('ClusterEvent');
export type ClusterEvent = z.infer<typeof ClusterEvent>;

/** Leader as the registry and every replica know it. `since` is epoch ms of the election. */
export const LeaderInfo = z
  .object({
    id: z.number().int(),
    url: z.string(),
    term: Term,
    since: z.number().int(),
    /**
     * Epoch ms until which the leader holds its lease (renewed by the leader; a candidate may not
     * claim the next term before it lapses). Absent when the leader never took a lease.
     */
    leaseUntil: z.number().int().optional(),
  })
  .openapi('Leader');
export type LeaderInfo = z.infer<typeof LeaderInfo>;
