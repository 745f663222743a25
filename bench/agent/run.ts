/**
 * The agent's own cost (run by hand: `bun run bench:agent`; `DURATION_S=30`, `SERVERS=10` by
 * default): CPU of the `agent` process, in % of one core, while it samples `SERVERS` app servers
 * at 1 Hz (target ≤ 1 % per 10 servers), beside the same agent sampling none (its floor: a Bun
 * process with a timer and an HTTP listener), then on Docker (`SERVERS` idle containers read
 * through the engine's stats, with dockerd's CPU over the same window) when the engine answers and
 * holds the base image. Process servers are process-runtime containers (a shell with a `sleep`
 * child each, so each tree is two processes); the agent is a real child process
 * `bun server/main.ts agent` that lists them from the runtime's records, reads `/proc`, and pushes
 * its samples over HTTP to an in-process collector (not counted). The agent's CPU is read from
 * `/proc/<pid>/stat` (utime + stime, as `ps` and `top` read it) over the measured window, after a
 * warm-up that leaves its start-up (module loading, JIT) out. The cost grows with the host's
 * process count (every tick scans `/proc`), printed beside the figure. Writes
 * `bench/results/agent.json`; the last line is the headline. Everything it starts is stopped on
 * exit, also on failure.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerRuntime } from '../../server/adapters/docker/runtime-docker.ts';
import { MemoryMetricsStore } from '../../server/adapters/metrics-store-memory.ts';
import { ProcessRuntime } from '../../server/adapters/process/runtime-process.ts';
import type { ContainerRuntime } from '../../server/adapters/runtime.ts';
import { hostProcUnits } from '../../server/agent/proc-reader.ts';
import { parseProcStat } from '../../server/agent/usage.ts';
import { startCollector } from '../../server/collector/start.ts';
import { CollectorConfig } from '../../server/config/roles.ts';
import { REPO_ROOT } from '../../server/dev/cluster.ts';
import { silentLogger } from '../../server/shared/logger.ts';
import type { SampleInput } from '../../server/shared/types.ts';
import { freePort } from '../../test/support/ports.ts';

const DURATION_S = Number(process.env.DURATION_S ?? 30);
const SERVERS = Number(process.env.SERVERS ?? 10);
const WARMUP_MS = 5_000;
const TARGET_PER_10 = 1; // % of one core per 10 servers
const TOKEN = 'agent-bench-token-0123456789';
const CLUSTER = `agentbench${Date.now().toString(36)}`;
/** The locally imported Bun base image the Docker section runs its idle containers from. */
const DOCKER_BASE = 'zonescale/bun-base:local';

/** A store that counts the agent samples it receives. */
class CountingStore extends MemoryMetricsStore {
  agentSamples = 0;
  override async write(samples: readonly SampleInput[]): Promise<void> {
    this.agentSamples += samples.filter((s) => s.source === 'agent').length;
    await super.write(samples);
  }
}

/** utime + stime of `pid` (its own threads; it has no children), seconds. */
function cpuSeconds(pid: number): number {
  const p = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  if (!p) throw new Error(`cannot read /proc/${pid}/stat`);
  return p.cpuTicks / hostProcUnits().clockTicks;
}

/** Numbers of processes on the host now. */
const hostProcesses = () => readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;

interface Run {
  runtime: 'process' | 'docker';
  servers: number;
  cpuPercent: number;
  windowS: number;
  agentSamples: number;
  expectedSamples: number;
  hostProcesses: number;
}

/** The runtime the servers run on: sleeping shells, or idle Bun containers of the imported base image. */
function benchRuntime(kind: Run['runtime'], dataDir: string): ContainerRuntime {
  if (kind === 'process')
    return new ProcessRuntime({
      runDir: join(dataDir, CLUSTER),
      cluster: CLUSTER,
      command: (spec) => ['sh', '-c', `sleep ${DURATION_S + 60}; true`, spec.id],
    });
  return new DockerRuntime({
    cluster: CLUSTER,
    image: DOCKER_BASE,
    command: () => ({
      entrypoint: ['/usr/local/bin/bun', '-e'],
      cmd: [`setTimeout(() => {}, ${(DURATION_S + 60) * 1000})`],
    }),
  });
}

/** dockerd's pid, or null (its CPU is shown beside the agent's on Docker: it answers the stats calls). */
function dockerdPid(): number | null {
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      if (readFileSync(`/proc/${n}/comm`, 'utf8').trim() === 'dockerd') return Number(n);
    } catch {
      // gone
    }
  }
  return null;
}

/** Whether the Docker engine answers and holds the base image. */
async function dockerReady(): Promise<string | null> {
  try {
    const rt = new DockerRuntime({ cluster: CLUSTER });
    await rt.docker.getImage(DOCKER_BASE).inspect();
    return null;
  } catch (err) {
    return `Docker engine or image ${DOCKER_BASE} not available: ${(err as Error).message}`;
  }
}

/** Starts an agent over `servers` idle servers and measures its CPU over `DURATION_S`. */
async function measure(
  servers: number,
  kind: Run['runtime'] = 'process',
): Promise<Run & { dockerdPercent?: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zs-agent-bench-'));
  const runtime = benchRuntime(kind, dataDir);
  const store = new CountingStore();
  const collector = await startCollector(
    { ...CollectorConfig.parse({ token: TOKEN }), port: 0 },
    silentLogger,
    {
      store,
    },
  );
  let agent: ReturnType<typeof Bun.spawn> | null = null;
  try {
    for (let i = 1; i <= servers; i++)
      await runtime.start({
        id: `zone1-app-${i}`,
        role: 'app',
        zone: 'zone1',
        port: 20_000 + i,
        args: [],
        env: {},
      });
    agent = Bun.spawn(
      ['bun', 'server/main.ts', 'agent', `--port=${freePort()}`, `--collector=${collector.url}`],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ZONESCALE_TOKEN: TOKEN,
          ZONESCALE_DATA_DIR: dataDir,
          ZONESCALE_CLUSTER: CLUSTER,
          ZONESCALE_INTERVAL_MS: '1000',
          KAFKA_BROKERS: '',
          RUNTIME: kind,
          LOG_LEVEL: 'warn',
        },
        stdout: 'ignore',
        stderr: 'inherit',
      },
    );
    await Bun.sleep(WARMUP_MS);
    if (agent.exitCode !== null) throw new Error(`the agent exited with status ${agent.exitCode}`);
    const dockerd = kind === 'docker' ? dockerdPid() : null;
    const before = { cpu: cpuSeconds(agent.pid), at: performance.now(), samples: store.agentSamples };
    const dockerdBefore = dockerd ? cpuSeconds(dockerd) : 0;
    await Bun.sleep(DURATION_S * 1_000);
    const after = { cpu: cpuSeconds(agent.pid), at: performance.now(), samples: store.agentSamples };
    const windowS = (after.at - before.at) / 1_000;
    return {
      runtime: kind,
      ...(dockerd ? { dockerdPercent: ((cpuSeconds(dockerd) - dockerdBefore) / windowS) * 100 } : {}),
      servers,
      cpuPercent: ((after.cpu - before.cpu) / windowS) * 100,
      windowS,
      agentSamples: after.samples - before.samples,
      expectedSamples: Math.round(windowS) * servers,
      hostProcesses: hostProcesses(),
    };
  } finally {
    agent?.kill('SIGKILL');
    await agent?.exited;
    for (const c of await runtime.list()) await runtime.stop(c.id);
    await collector.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const pct = (x: number) => `${x.toFixed(2)} %`;
  console.log(`agent cost: ${DURATION_S} s windows after ${WARMUP_MS / 1000} s warm-up, 1 Hz sampling`);
  const idle = await measure(0);
  console.log(`  0 servers: ${pct(idle.cpuPercent)} of one core (the agent's floor)`);
  const loaded = await measure(SERVERS);
  console.log(
    `  ${SERVERS} servers: ${pct(loaded.cpuPercent)} of one core; ${loaded.agentSamples} samples published (${loaded.expectedSamples} expected); ${loaded.hostProcesses} processes on the host`,
  );
  const notReady = await dockerReady();
  const docker = notReady ? { skipped: notReady } : await measure(SERVERS, 'docker');
  if ('skipped' in docker) console.log(`  Docker: skipped — ${docker.skipped}`);
  else
    console.log(
      `  ${SERVERS} containers (Docker stats): ${pct(docker.cpuPercent)} of one core; ${docker.agentSamples} samples (${docker.expectedSamples} expected); dockerd meanwhile ${pct(docker.dockerdPercent ?? Number.NaN)} (it serves the stats calls)`,
    );
  const per10 = (loaded.cpuPercent * 10) / SERVERS;
  const marginalPer10 = ((loaded.cpuPercent - idle.cpuPercent) * 10) / SERVERS;
  const met = per10 <= TARGET_PER_10;
  const [load1] = readFileSync('/proc/loadavg', 'utf8').split(' ');
  mkdirSync(join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(REPO_ROOT, 'bench', 'results', 'agent.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        durationS: DURATION_S,
        warmupMs: WARMUP_MS,
        intervalMs: 1000,
        reader: 'proc',
        loadAverage1m: Number(load1),
        cores: navigator.hardwareConcurrency,
        runs: [idle, loaded],
        docker,
        figures: {
          cpuPercentPer10Servers: per10,
          marginalCpuPercentPer10Servers: marginalPer10,
          target: TARGET_PER_10,
          met,
        },
      },
      null,
      2,
    )}\n`,
  );
  const dockerPart =
    'skipped' in docker
      ? 'Docker: skipped'
      : `Docker stats: ${pct((docker.cpuPercent * 10) / SERVERS)} per 10 containers`;
  console.log(
    `agent cost: ${pct(per10)} of one core per 10 servers sampled at 1 Hz (target ≤ ${TARGET_PER_10} %: ${met ? 'met' : 'MISSED'}; ${pct(marginalPer10)} above the idle agent's ${pct(idle.cpuPercent)}; /proc reader, ${loaded.hostProcesses} host processes, load ${load1}) | ${dockerPart}`,
  );
}

await main();
