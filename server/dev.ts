/**
 * `bun run dev`: the whole zonescale loop on one machine with embedded defaults (SQLite registry and
 * metrics store, app servers as local processes, metrics pushed over HTTP). Starts the collector,
 * the gateway, one host agent (it samples every app server from outside: `/proc`, or Docker stats
 * with --stack; not with --simulate) and three monitors; the elected leader creates a balancer and one app server per zone. Prints the
 * dashboard, balancer and app UI URLs and the timings in force, then follows the cluster's events
 * until Ctrl-C, which stops every process it started (monitors, collector, balancers, apps).
 *
 * Flags (`bun run dev --help`; schema in `config/dev.ts`): --base-port N (default 7000),
 * --data-dir DIR (default .zonescale), --simulate (report scenario curves without burning CPU),
 * --keep (keep the registry of the previous run), --monitor-args '…' (flags for every monitor, e.g.
 * the autoscaling policy), --token T (else ZONESCALE_TOKEN, else generated),
 * --stack (`bun run dev:stack`: start the real services with scripts/services.sh, build the
 * zonescale image, and run the same cluster on Redis, Kafka, InfluxDB and Docker containers; the
 * cluster id is `stack-<epoch s>` unless --keep, so an earlier run's Redis keys do not interfere).
 * Before starting anything it locks the data directory and checks its ports (`dev/claim.ts`): a
 * second cluster on the same ones exits 2 saying who holds them, and touches nothing of the first.
 * A mistake (bad flag or value, busy port or directory) prints one line and exits 2.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { exitOnMistake } from './config/cli.ts';
import { DEV_COMMAND, DevConfig } from './config/dev.ts';
import { configHelp, parseConfig, wantsHelp } from './config/parse.ts';
import type { ResolvedService } from './config/service.ts';
import { type Cluster, clusterReady, REPO_ROOT, startCluster } from './dev/cluster.ts';
import { eventLine, leaderLine } from './dev/event-lines.ts';
import { devService } from './dev/service-args.ts';
import { describeTimings } from './dev/timings.ts';
import { splitArgs } from './monitor/leader/placement.ts';

/** `--stack`: services up, image built; the cluster options that put the roles on them. */
async function prepareStack(keep: boolean) {
  const run = async (cmd: string[]) => {
    const code = await Bun.spawn(cmd, { stdout: 'inherit', stderr: 'inherit' }).exited;
    if (code !== 0) {
      console.error(`${cmd.join(' ')} failed (exit ${code})`);
      process.exit(1);
    }
  };
  await run(['bash', 'scripts/services.sh', 'up']);
  await run(['/usr/bin/docker', 'build', '--network', 'host', '-q', '-t', 'zonescale:local', '.']);
  return {
    runtime: 'docker' as const,
    cluster: keep ? 'stack' : `stack-${Math.floor(Date.now() / 1000)}`,
    env: {
      REDIS_URL: 'redis://127.0.0.1:6379',
      KAFKA_BROKERS: '127.0.0.1:9092',
      INFLUX_URL: 'http://127.0.0.1:8086',
      ZONESCALE_IMAGE: 'zonescale:local',
    },
  };
}

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(configHelp(DevConfig, DEV_COMMAND));
  process.exit(0);
}
/** Whether the monitors get `--min-replicas 0` (from `--monitor-args`, else `ZONESCALE_MIN_REPLICAS`). */
function minReplicasZero(args: string[], env: Record<string, string | undefined>): boolean {
  const i = args.findLastIndex((a) => a === '--min-replicas' || a.startsWith('--min-replicas='));
  if (i < 0) return env.ZONESCALE_MIN_REPLICAS?.trim() === '0';
  const a = args[i]!;
  return (a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[i + 1]) === '0';
}
let values: DevConfig;
let cluster: Cluster;
let service: ResolvedService;
try {
  values = parseConfig(DevConfig, argv, process.env, DEV_COMMAND);
  const svc = devService(values, process.cwd(), values.stack ? 'docker' : 'process');
  service = svc.service;
  const stack = values.stack ? await prepareStack(values.keep) : null;
  cluster = await startCluster({
    basePort: values.basePort,
    dataDir: resolve(REPO_ROOT, values.dataDir),
    token: values.token ?? randomBytes(24).toString('hex'),
    scenarioMode: values.simulate ? 'simulate' : 'burn',
    fresh: !values.keep,
    // The service flags first, so an explicit --monitor-args flag wins.
    monitorArgs: [...svc.monitorArgs, ...splitArgs(values.monitorArgs)],
    ...stack,
  });
} catch (err) {
  exitOnMistake(DEV_COMMAND.name, err);
  throw err;
}
const token = cluster.token;
const generated = !values.token;

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping the cluster (monitors, collector, agent, balancers, apps)…');
  await cluster.stop();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

console.log(
  `zonescale dev cluster starting (data in ${cluster.dataDir}/${cluster.cluster}, logs in ${cluster.dataDir}/${cluster.cluster}/logs)`,
);
let state;
try {
  // With `--min-replicas 0` the zones start at zero: a balancer each is enough (the first request wakes a zone).
  const atZero = minReplicasZero(splitArgs(values.monitorArgs), process.env);
  state = await cluster.waitFor(
    atZero ? 'every zone to have a balancer' : 'every zone to have a balancer and an alive app server',
    (s) => clusterReady(s, 3, { atZero }),
    90_000,
  );
} catch (err) {
  await cluster.stop();
  exitOnMistake(DEV_COMMAND.name, err);
  console.error(String(err));
  process.exit(1);
}

const line = (label: string, value: string) => console.log(`  ${label.padEnd(22)} ${value}`);
console.log('\nzonescale is up.\n');
line('gateway (front door)', `${cluster.gatewayUrl}  (one address for users: routes to a zone by client)`);
line(
  'dashboard',
  `${cluster.monitors[0]!.url}/  (any monitor serves it: ${cluster.monitors.map((m) => m.url).join(', ')})`,
);
for (const z of state.zones) {
  line(`${z.zone} balancer`, z.balancer?.url ?? '(none)');
  for (const s of z.servers)
    line(
      `${z.zone} app ${s.id}`,
      service.source === 'demo' ? `${s.uiUrl}  (its UI: High CPU / Low CPU)` : `${s.url}  (your service)`,
    );
  if (z.servers.length === 0) line(`${z.zone} app`, '(none: at zero, a request to its balancer wakes it)');
}
line('service', service.source === 'demo' ? 'the demo app' : serviceLine(service));
line('collector', cluster.collectorUrl);
line(
  'agent',
  cluster.agentUrl
    ? `${cluster.agentUrl}/health_check  (samples every app server from outside)`
    : '(not started with --simulate: it would measure the real ~0 % over the simulated curves)',
);
line('load', `bun run load --rate 40 --duration 60 --gateway --monitor ${cluster.monitors[0]!.url}`);
line('leader', `monitor ${state.leader?.id} (term ${state.leader?.term})`);
for (const m of cluster.monitors) line(`monitor ${m.id} pid`, String(m.proc?.pid));
console.log(
  `\n  cluster token          ${generated ? `${token}  (generated; set ZONESCALE_TOKEN to choose one)` : '(from ZONESCALE_TOKEN / --token)'}`,
);
console.log(`  timings\n  ${describeTimings()}`);
console.log('\nFollowing scaling and leadership events (Ctrl-C stops everything):');

const seen = new Set<string>(state.events.map((e) => e.id));
let leaderKey = `${state.leader?.id}/${state.leader?.term}`;
setInterval(async () => {
  const s = await cluster.state();
  if (!s) return;
  const key = `${s.leader?.id}/${s.leader?.term}`;
  if (key !== leaderKey) {
    leaderKey = key;
    console.log(leaderLine(s.leader, Date.now()));
  }
  for (const e of [...s.events].reverse()) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    console.log(eventLine(e));
  }
}, 1_000);

/** The user's service in one line: command or image, health path. */
function serviceLine(s: ResolvedService): string {
  const what = s.spec.image
    ? `image ${s.spec.image}${s.spec.command ? ` (${s.spec.command})` : ''}`
    : s.spec.command;
  return `${what}; health check GET ${s.spec.healthPath} (from ${s.source})`;
}
