/**
 * The monitor's configuration (`bun server/main.ts monitor`): flags, defaults, and the checks that
 * span several fields (replica bounds, thresholds, port ranges, zones and their balancer ports,
 * per-zone policies, peers), all reported as one line naming the flags by `parseConfig`. The
 * autoscaling defaults live here only; `monitor/policy-config.ts` maps a parsed config to policies.
 */
import { z } from 'zod';
import { balancerPort } from '../monitor/leader/placement.ts';
import type { ScalingStep } from '../shared/types.ts';
import { autoscaleFlags, POLICY_KINDS, zonePolicies } from './autoscale-flags.ts';
import { common, upstreamAllow } from './common.ts';
import { boolish, csv, ms, port } from './parse.ts';
import { serviceFlags } from './service.ts';

/** `Pods:4:15000,Percent:100:15000` (type, value, period ms) as scaling steps; an issue per bad entry. */
const steps = () =>
  z.string().transform((s, ctx) => {
    const out: ScalingStep[] = [];
    for (const part of s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)) {
      const m = /^(Pods|Percent):(\d+):(\d+)$/.exec(part);
      if (!m || Number(m[2]) < 1 || Number(m[3]) < 1) {
        ctx.addIssue({
          code: 'custom',
          message: `"${part}" is not Type:value:periodMs with Type Pods or Percent and positive numbers (e.g. Pods:4:15000)`,
        });
        return z.NEVER;
      }
      out.push({ type: m[1] as ScalingStep['type'], value: Number(m[2]), periodMs: Number(m[3]) });
    }
    return out;
  });

type Fields = {
  minReplicas: number;
  maxReplicas: number;
  lowCpu: number;
  highCpu: number;
  appPorts: [number, number];
  zones: string[];
  balancerPortBase: number;
  gateway: string;
  peers: { id: number; url: string }[];
  zonePolicies: [string, string][];
  policy: string;
};

/** The rules no single field can check; each issue names its flags. */
function crossFieldChecks(c: Fields, ctx: z.RefinementCtx): void {
  const issue = (key: keyof Fields, message: string) =>
    ctx.addIssue({ code: 'custom', path: [key], message });
  if (c.minReplicas > c.maxReplicas)
    issue('minReplicas', `${c.minReplicas} must not exceed --max-replicas (${c.maxReplicas})`);
  if (c.lowCpu >= c.highCpu) issue('lowCpu', `${c.lowCpu} must be below --high-cpu (${c.highCpu})`);
  if (c.appPorts[0] > c.appPorts[1]) issue('appPorts', `${c.appPorts.join('-')} is an empty range`);
  if (c.zones.length === 0) issue('zones', 'must name at least one zone');
  for (const z of c.zones) {
    try {
      const p = balancerPort(z, c.balancerPortBase);
      if (p > 65535)
        throw new RangeError(`its balancer port ${p} (--balancer-port-base + n - 1) is above 65535`);
    } catch (err) {
      issue('zones', `zone "${z}" cannot be placed: ${(err as Error).message}`);
    }
  }
  if (c.gateway && !URL.canParse(c.gateway)) issue('gateway', `"${c.gateway}" is not a URL`);
  const ids = new Set<number>();
  for (const p of c.peers) {
    if (ids.has(p.id)) issue('peers', `names monitor ${p.id} twice`);
    ids.add(p.id);
  }
  const kindOf = (zone: string) => c.zonePolicies.find(([z]) => z === zone)?.[1] ?? c.policy;
  const onThreshold = c.zones.filter((zone) => kindOf(zone) === 'threshold');
  if (c.minReplicas === 0 && onThreshold.length > 0)
    issue(
      'minReplicas',
      `0 needs the target or concurrency policy, but ${onThreshold.join(', ')} use threshold (it keeps at least 1)`,
    );
  for (const [zone] of c.zonePolicies)
    if (!c.zones.includes(zone))
      issue('zonePolicies', `zone "${zone}" is not in --zones (${c.zones.join(', ')})`);
}

/** `bun server/main.ts monitor` */
export const MonitorConfig = z
  .object({
    ...common,
    id: z.coerce.number().int().min(1).describe("This replica's id; the highest live id wins elections."),
    port: port().default(7001).describe('Port to listen on.'),
    peers: z
      .string()
      .transform((s, ctx) => {
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
      })
      .describe('Every replica including this one: `1=http://127.0.0.1:7001,2=http://127.0.0.1:7002,…`.'),
    zones: csv()
      .default(['zone1', 'zone2', 'zone3'])
      .describe('The zones it keeps, comma-separated; zone n (zoneN) gets balancer port base + n - 1.'),
    probeIntervalMs: ms()
      .default(5_000)
      .describe('Followers probe the leader this often, ms (source design: 5 s).'),
    electionTimeoutMs: ms()
      .default(1_000)
      .describe('How long a candidate waits for an answer / a coordinator message, ms.'),
    periodMs: ms().default(10_000).describe('Autoscaling period, ms (source design: 10 s).'),
    windowMs: ms().default(10_000).describe('Samples averaged per evaluation, ms.'),
    highCpu: z.coerce
      .number()
      .min(0)
      .max(100)
      .default(60)
      .describe('Scale up above this zone average CPU, %. 60 % is crossed by the High scenario (70–75 %).'),
    lowCpu: z.coerce
      .number()
      .min(0)
      .max(100)
      .default(20)
      .describe('Scale down below this zone average CPU, %. 20 % is crossed by the Low scenario (1–10 %).'),
    minReplicas: z.coerce
      .number()
      .int()
      .min(0)
      .default(1)
      .describe('Fewest app servers a zone keeps; 0 (target and concurrency policies) = scale to zero.'),
    maxReplicas: z.coerce.number().int().min(1).default(5).describe('Most app servers a zone gets.'),
    policy: z
      .enum(POLICY_KINDS)
      .default('threshold')
      .describe(
        'Default autoscaling policy of every zone: `threshold` (source design), `target` (HPA v2 tracking) or `concurrency` (Knative KPA).',
      ),
    zonePolicies: zonePolicies()
      .prefault('')
      .describe('Per-zone policy overrides, e.g. `zone2=target,zone3=concurrency`.'),
    targetCpu: z.coerce
      .number()
      .gt(0)
      .max(100)
      .default(50)
      .describe('Target tracking: target average zone CPU, % (shorthand for `--metrics cpu=N`).'),
    ...autoscaleFlags,
    tolerance: z.coerce
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('Target tracking: dead-band around the target as a ratio (HPA default 0.1).'),
    scaleUpStabilizationMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Target tracking: scale-up stabilization window, ms (HPA default 0).'),
    scaleDownStabilizationMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(300_000)
      .describe(
        'Scale-down stabilization window, ms (HPA default 300 s): target tracking keeps the highest recommendation of the window; the threshold rule removes a server only once the average stayed below --low-cpu this long.',
      ),
    scaleUpPeriods: z.coerce
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        'Threshold rule: a server is added only after this many consecutive periods above --high-cpu.',
      ),
    scaleUpPolicies: steps()
      .prefault('Pods:4:15000,Percent:100:15000')
      .describe(
        'Target tracking: scale-up step limits `Type:value:periodMs`, comma-separated (HPA default: 4 pods or 100 % per 15 s).',
      ),
    scaleDownPolicies: steps()
      .prefault('Percent:100:15000')
      .describe('Target tracking: scale-down step limits (HPA default: 100 % per 15 s).'),
    scaleUpSelect: z
      .enum(['Max', 'Min', 'Disabled'])
      .default('Max')
      .describe(
        'Target tracking: how the step limits combine per direction: `Max` (HPA default), `Min` or `Disabled`.',
      ),
    scaleDownSelect: z
      .enum(['Max', 'Min', 'Disabled'])
      .default('Max')
      .describe('Target tracking: how the scale-down step limits combine.'),
    initializationMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(30_000)
      .describe(
        "Target tracking: a new server's samples are not counted for this long, ms (HPA: 5 min CPU initialization; ours start in ~1 s).",
      ),
    cooldownMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Target tracking: no scaling action within this long after the previous one, ms.'),
    leaseMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe(
        "Leader lease, ms (Kubernetes' leader election: 15 s); a candidate claims only after it lapses. 0 = no lease.",
      ),
    leaseRenewMs: z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('How often the leader renews its lease, ms (default: a third of the lease).'),
    balancerPortBase: port()
      .default(8001)
      .describe('Zone balancer ports: zone number n (zone1, zone2, …) listens on base + n - 1.'),
    appPorts: z
      .string()
      .regex(/^\d+-\d+$/)
      .transform((s) => s.split('-').map(Number) as [number, number])
      .prefault('9101-9199')
      .describe('App server ports are allocated from this inclusive range, e.g. `9101-9199`.'),
    runtime: z
      .enum(['process', 'docker', 'swarm'])
      .default('process')
      .describe(
        'Runtime: `process` (embedded default), `docker` or `swarm` (services on the nodes labelled zonescale.zone=<zone>; env RUNTIME).',
      ),
    redisUrl: z
      .string()
      .default('')
      .describe('Registry: Redis URL (env REDIS_URL); empty = SQLite file in the data dir.'),
    influxUrl: z
      .string()
      .default('')
      .describe('Metrics store: InfluxDB URL (env INFLUX_URL); empty = SQLite file in the data dir.'),
    balancerArgs: z
      .string()
      .default('')
      .describe('Flags handed to every balancer the leader starts (timings), space-separated.'),
    appArgs: z
      .string()
      .default('')
      .describe('Flags handed to every app server the leader starts, space-separated.'),
    collector: z.string().default('http://127.0.0.1:7000').describe('Collector URL handed to app servers.'),
    dashboardDir: z.string().default('dashboard/dist').describe('Serve the dashboard from this directory.'),
    gateway: z
      .string()
      .default('')
      .describe(
        "The gateway's URL: the leader pushes it every zone's balancer (PUT /zones); empty = no gateway.",
      ),
    debugElection: boolish.default(false).describe('Verbose debugging of election messages.'),
    upstreamAllow,
    ...serviceFlags,
  })
  .superRefine(crossFieldChecks);
export type MonitorConfig = z.infer<typeof MonitorConfig>;
