/**
 * What `GET /state` and the dashboard's stream return, as zod schemas with their inferred types:
 * each zone's last decision, its servers and balancer, the monitors, the gateway, the whole
 * cluster and per-zone CPU history. Re-exported by `types.ts`. Units as there: epoch ms, CPU %, MB,
 * requests per second.
 */
import { z } from '@hono/zod-openapi';
import { ClusterEvent, LeaderInfo, PoolState, ReasonCode, ScenarioMode, ZoneId } from './domain.ts';
import { Policy, TargetMetricName } from './policies.ts';

/** The last autoscaling decision of a zone (the leader's; null on other replicas before one is recorded). */
export const ZoneDecision = z
  .object({
    /** Epoch ms. */
    ts: z.number().int(),
    replicas: z.number().int(),
    desired: z.number().int(),
    reason: ReasonCode,
    message: z.string(),
    /** Target tracking: the metric whose recommendation drove the decision (`cpu`, `rps`, …). */
    metric: TargetMetricName.optional(),
    /** Concurrency policy: the KPA's figures of this decision. */
    kpa: z
      .object({
        /** Mean zone in-flight requests over the stable / panic window. */
        stableConcurrency: z.number(),
        panicConcurrency: z.number(),
        /** Servers wanted by each window (before rate limits and bounds). */
        stableDesired: z.number().int(),
        panicDesired: z.number().int(),
        panicking: z.boolean(),
        /** Epoch ms panic mode began / was last extended; null when not panicking. */
        panicSince: z.number().int().nullable(),
        /** Epoch ms of the zone's last request or activation; null if none seen. */
        lastActiveAt: z.number().int().nullable(),
      })
      .optional(),
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
    /** Latest sample, null before the first one arrives; CPU % and MB are the agent's when it sends them. */
    cpu: z.number().nullable(),
    memoryMb: z.number().nullable(),
    /** Who measured `cpu`/`memoryMb`: `agent` (from outside the process) or `app`; null without a sample. */
    resourceSource: z.enum(['app', 'agent']).nullable().optional(),
    throughput: z.number().nullable(),
    scenario: ScenarioMode.nullable(),
    createdAt: z.number().int(),
    /** Requests the zone balancer is running on it now (its `GET /pools`); null when unknown. */
    inFlight: z.number().int().nullable().optional(),
    /** The zone balancer's latest one-second measurement of it: requests/s, mean in-flight, p95 ms (null when none). */
    rps: z.number().nullable().optional(),
    meanInFlight: z.number().nullable().optional(),
    p95Ms: z.number().nullable().optional(),
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
