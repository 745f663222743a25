/**
 * The domain vocabulary every role shares, as zod schemas (so the same shapes validate requests and
 * describe the API in `/openapi.json`) with their inferred TypeScript types. Units: times are epoch
 * milliseconds, durations ms, CPU in percent of one core (0–100 per core), memory in MB, throughput
 * in requests per second.
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

/** One metrics sample an app server publishes every second. */
export const Sample = z
  .object({
    serverId: z.string(),
    zone: ZoneId,
    /** Epoch ms when the sample was taken. */
    ts: z.number().int(),
    /** Process CPU, % of one core. */
    cpu: z.number().min(0),
    /** Resident memory, MB. */
    memoryMb: z.number().min(0),
    /** Requests served in the last second, req/s. */
    throughput: z.number().min(0),
    healthy: z.boolean(),
    scenario: ScenarioMode,
  })
  .openapi('Sample');
export type Sample = z.infer<typeof Sample>;

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

/** The threshold policy of the source design: add above `highCpu`, remove below `lowCpu`. */
export const ThresholdPolicy = z
  .object({
    kind: z.literal('threshold'),
    /** % average zone CPU above which one server is added. */
    highCpu: z.number().min(0).max(100),
    /** % average zone CPU below which one server is removed (when more than `minReplicas`). */
    lowCpu: z.number().min(0).max(100),
    minReplicas: z.number().int().min(1),
    maxReplicas: z.number().int().min(1),
    /** ms between two autoscaling evaluations. */
    periodMs: z.number().int().positive(),
    /** ms of samples averaged per evaluation. */
    windowMs: z.number().int().positive(),
    /** Hysteresis: a server is removed only once the average stayed below `lowCpu` this long, ms (HPA-style stabilization window). */
    scaleDownStabilizationMs: z.number().int().min(0),
    /** Hysteresis: a server is added only after this many consecutive evaluations above `highCpu`. */
    scaleUpPeriods: z.number().int().min(1),
  })
  .openapi('ThresholdPolicy');
export type ThresholdPolicy = z.infer<typeof ThresholdPolicy>;

/**
 * One step limit of the HPA's scaling behavior: at most `value` servers (`Pods`) or `value` % of
 * the replicas at the start of the period (`Percent`) added (or removed) within any `periodMs`.
 */
export const ScalingStep = z
  .object({
    type: z.enum(['Pods', 'Percent']),
    value: z.number().int().positive(),
    periodMs: z.number().int().positive(),
  })
  .openapi('ScalingStep');
export type ScalingStep = z.infer<typeof ScalingStep>;

/**
 * The HPA's behavior for one direction: the stabilization window (ms; the recommendation used is
 * the max (scale-down) or min (scale-up) of the window), the step limits, and how to combine them
 * (`Max` = the most permissive, the HPA default; `Min` = the most restrictive; `Disabled` = never).
 */
export const ScalingRules = z
  .object({
    stabilizationWindowMs: z.number().int().nonnegative(),
    selectPolicy: z.enum(['Max', 'Min', 'Disabled']),
    policies: z.array(ScalingStep),
  })
  .openapi('ScalingRules');
export type ScalingRules = z.infer<typeof ScalingRules>;

/**
 * Target tracking as Kubernetes' HPA does it: desired = ceil(replicas × avg / `target`), nothing
 * when |avg / target − 1| ≤ `tolerance`, stabilized and step-limited per direction.
 */
export const TargetPolicy = z
  .object({
    kind: z.literal('target'),
    /** Target average zone CPU, % (e.g. 50). */
    target: z.number().gt(0).max(100),
    /** Dead-band around the target as a ratio (HPA default 0.1 = ±10 %). */
    tolerance: z.number().min(0).max(1),
    /** 0 allows scale to zero: the zone's balancer then holds requests and asks for a server (`POST /activate`). */
    minReplicas: z.number().int().min(0),
    maxReplicas: z.number().int().min(1),
    /** ms between two autoscaling evaluations (HPA sync period: 15 s). */
    periodMs: z.number().int().positive(),
    /** ms of samples averaged per evaluation. */
    windowMs: z.number().int().positive(),
    /** ms after a server started during which its samples are not counted (HPA CPU initialization period). */
    initializationMs: z.number().int().nonnegative(),
    /** ms after any scaling action before the next one. */
    cooldownMs: z.number().int().nonnegative(),
    scaleUp: ScalingRules,
    scaleDown: ScalingRules,
  })
  .openapi('TargetPolicy');
export type TargetPolicy = z.infer<typeof TargetPolicy>;

/** An autoscaling policy: the source design's `threshold` rule or HPA-style `target` tracking. */
export const Policy = z.discriminatedUnion('kind', [ThresholdPolicy, TargetPolicy]).openapi('Policy');
export type Policy = z.infer<typeof Policy>;

/** The last autoscaling decision of a zone (the leader's; null on other replicas before one is recorded). */
export const ZoneDecision = z
  .object({
    /** Epoch ms. */
    ts: z.number().int(),
    replicas: z.number().int(),
    desired: z.number().int(),
    reason: ReasonCode,
    message: z.string(),
  })
  .openapi('ZoneDecision');
export type ZoneDecision = z.infer<typeof ZoneDecision>;

/** One server as the dashboard shows it. */
export const ServerView = z
  .object({
    id: z.string(),
    url: z.string(),
    /** The app's own UI (`<url>/`). */
    uiUrl: z.string(),
    /** Pool state from the zone balancer; `unknown` when the balancer could not be asked. */
    state: z.enum(['alive', 'disconnected', 'dead', 'unknown']),
    /** Latest sample, null before the first one arrives. */
    cpu: z.number().nullable(),
    memoryMb: z.number().nullable(),
    throughput: z.number().nullable(),
    scenario: ScenarioMode.nullable(),
    createdAt: z.number().int(),
    /** Requests the zone balancer is running on it now (its `GET /pools`); null when unknown. */
    inFlight: z.number().int().nullable().optional(),
    /** Its slow-start weight in the zone balancer, % of full (10..100; `GET /pools`); null when unknown. */
    weight: z.number().nullable().optional(),
    /** The node it runs on (multi-node runtimes: a swarm node id); absent on one host. */
    node: z.string().optional(),
  })
  .openapi('ServerView');
export type ServerView = z.infer<typeof ServerView>;

/** One zone as the dashboard shows it. */
export const ZoneView = z
  .object({
    zone: ZoneId,
    balancer: z.object({ id: z.string(), url: z.string(), status: z.enum(['up', 'down']) }).nullable(),
    /** Servers the registry holds for this zone (the desired membership). */
    replicas: z.number().int(),
    /** Average CPU over the policy window, % (null when there are no samples). */
    avgCpu: z.number().nullable(),
    servers: z.array(ServerView),
    /** Servers the balancer holds that the registry does not (being drained or just reported dead). */
    strayServers: z.array(z.object({ url: z.string(), state: PoolState })),
    /** The zone's autoscaling policy when it differs from the cluster default `ClusterState.policy`. */
    policy: Policy.optional(),
    /** The zone's last autoscaling decision with its reason (from the leader); null when none is known. */
    decision: ZoneDecision.nullable().optional(),
    /** Requests/s the zone balancer answered since the previous view (its `balancer_requests_total`); null before two readings. */
    requestsPerSec: z.number().nullable().optional(),
    /**
     * The zone balancer's activator: `activating` while it holds `held` requests for a zone at zero
     * (since epoch ms), `idle` when it would, `off` without one; null when the balancer did not answer.
     */
    activation: z
      .object({
        state: z.enum(['off', 'idle', 'activating']),
        held: z.number().int(),
        since: z.number().int().nullable(),
      })
      .nullable()
      .optional(),
  })
  .openapi('ZoneView');
export type ZoneView = z.infer<typeof ZoneView>;

/** A monitor replica as seen by the one answering. */
export const MonitorView = z
  .object({
    id: z.number().int(),
    url: z.string(),
    status: z.enum(['leader', 'follower', 'candidate', 'down']),
  })
  .openapi('MonitorView');
export type MonitorView = z.infer<typeof MonitorView>;

/** The front door (gateway role) as the monitor sees it: `down` when its health check fails. */
export const GatewayView = z
  .object({
    url: z.string(),
    status: z.enum(['up', 'down']),
    /** Zones it routes to that it considers available; null when down. */
    availableZones: z.array(z.string()).nullable(),
    /** Requests/s it answered since the previous view; null before two readings. */
    requestsPerSec: z.number().nullable(),
  })
  .openapi('GatewayView');
export type GatewayView = z.infer<typeof GatewayView>;

/** The whole cluster as `GET /state` and the `state` SSE event return it. */
export const ClusterState = z
  .object({
    /** Epoch ms when this view was built. */
    now: z.number().int(),
    /** The monitor that built this view. */
    monitorId: z.number().int(),
    leader: LeaderInfo.nullable(),
    monitors: z.array(MonitorView),
    /** The default autoscaling policy (a zone's own, when different, is in its `ZoneView.policy`). */
    policy: Policy,
    zones: z.array(ZoneView),
    /** Newest first, at most 100. */
    events: z.array(ClusterEvent),
    /** The gateway, when the monitors were started with `--gateway`. */
    gateway: GatewayView.nullable().optional(),
  })
  .openapi('ClusterState');
export type ClusterState = z.infer<typeof ClusterState>;

/** A point of a per-zone CPU series: epoch ms and average CPU %. */
export const CpuPoint = z.object({ t: z.number().int(), cpu: z.number() }).openapi('CpuPoint');
export type CpuPoint = z.infer<typeof CpuPoint>;

/** Per-zone CPU history sent once when a dashboard connects: zone → points, oldest first. */
export const CpuHistory = z.record(z.string(), z.array(CpuPoint)).openapi('CpuHistory');
export type CpuHistory = z.infer<typeof CpuHistory>;
